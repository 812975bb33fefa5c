/**
 * Random but plausible holders: names from a small list, dates, document numbers and ICAO state codes.
 */
import { createRandom } from "./random.mjs";

const SURNAMES = ["ERIKSSON", "MUSTERMANN", "DUPONT", "DE VRIES", "ROSSI", "GARCIA", "NOWAK", "JANSEN", "SILVA", "MARTIN", "KOWALSKA", "BERG", "LAURENT", "MÜLLER", "O'NEILL", "PETERS"];
const GIVEN_FEMALE = ["ANNA MARIA", "ERIKA", "SOPHIE", "EMMA", "GIULIA", "LUCIA", "MAJA", "CLAIRE", "INGRID", "ELENA"];
const GIVEN_MALE = ["JAN", "PIETER", "LUCA", "JEAN PAUL", "MARCO", "LARS", "TOMAS", "HUGO", "KARL HEINZ", "DANIEL"];
/**
 * Issuing state code and the name printed on the document. ICAO's fictional "UTO" is left out: mrz 5 rejects it as
 * an unknown state, and the tests require every MRZ to parse valid.
 */
export const STATES = [
  { code: "D", name: "DEUTSCHLAND" },
  { code: "FRA", name: "RÉPUBLIQUE FRANÇAISE" },
  { code: "NLD", name: "NEDERLAND" },
  { code: "ITA", name: "REPUBLICA ITALIANA" },
  { code: "ESP", name: "ESPAÑA" },
  { code: "BEL", name: "BELGIQUE" },
  { code: "AUT", name: "ÖSTERREICH" },
];

/** @param {number} year @param {import("./random.mjs").Random} random */
function randomDate(year, random) {
  const month = random.int(1, 12);
  const day = random.int(1, 28);
  return `${year}-${String(month).padStart(2, "0")}-${String(day).padStart(2, "0")}`;
}

/**
 * @typedef {import("./mrz.mjs").MrzHolder & { issueDate: string, stateName: string, placeOfBirth: string }} Holder
 */

/**
 * A random holder from the seed. Document numbers avoid the letters O/I (as several states do) and include a
 * letter so OCR confusions are testable.
 * @param {number} seed
 * @returns {Holder}
 * @example
 * randomHolder(1).documentNumber.length; // 9
 */
export function randomHolder(seed) {
  const random = createRandom(seed);
  const state = random.pick(STATES);
  const sex = random.chance(0.5) ? "F" : "M";
  const issueYear = random.int(2017, 2025);
  const issueDate = randomDate(issueYear, random);
  const validity = random.pick([5, 10]);
  const alphabet = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789";
  let documentNumber = random.pick(["C", "L", "T", "X", "N"]);
  for (let i = 0; i < 8; i++) documentNumber += alphabet[random.int(0, alphabet.length - 1)];
  return {
    surname: random.pick(SURNAMES),
    givenNames: random.pick(sex === "F" ? GIVEN_FEMALE : GIVEN_MALE),
    nationality: state.code,
    issuingState: state.code,
    stateName: state.name,
    sex,
    birthDate: randomDate(random.int(1950, 2005), random),
    issueDate,
    expiryDate: `${issueYear + validity}${issueDate.slice(4)}`,
    documentNumber,
    placeOfBirth: random.pick(["BERLIN", "LYON", "UTRECHT", "NAPOLI", "SEVILLA", "GENT", "GRAZ", "UPPSALA"]),
  };
}
