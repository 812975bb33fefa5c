/**
 * ICAO Doc 9303 machine-readable zones for the synthetic holders: TD1 (ID cards, 3 × 30) and TD3 (passports, 2 × 44),
 * with the 7-3-1 check digits of Part 3 §4.9.
 */

/** @param {string} char → ICAO value: digits 0–9, A–Z 10–35, filler 0 */
function charValue(char) {
  if (char >= "0" && char <= "9") return char.charCodeAt(0) - 48;
  if (char >= "A" && char <= "Z") return char.charCodeAt(0) - 55;
  return 0;
}

/**
 * The ICAO 9303 check digit of a field.
 * @param {string} field
 * @returns {string} one digit
 * @example
 * checkDigit("740812"); // "2"
 */
export function checkDigit(field) {
  const weights = [7, 3, 1];
  let sum = 0;
  for (let i = 0; i < field.length; i++) sum += charValue(field[i]) * weights[i % 3];
  return String(sum % 10);
}

/** @param {string} text @param {number} length → upper-case, fillers for anything else, padded or cut (0: as is) */
function mrzField(text, length) {
  const cleaned = text
    .toUpperCase()
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/'/g, "")
    .replace(/[^A-Z0-9]/g, "<");
  return length ? cleaned.padEnd(length, "<").slice(0, length) : cleaned;
}

/** @param {string} surname @param {string} givenNames @param {number} length */
function nameField(surname, givenNames, length) {
  const primary = mrzField(surname, 0);
  const secondary = givenNames.split(/\s+/).map((part) => mrzField(part, 0)).join("<");
  return `${primary}<<${secondary}`.padEnd(length, "<").slice(0, length);
}

/** @param {string} iso "YYYY-MM-DD" → "YYMMDD" */
export function mrzDate(iso) {
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10);
}

/**
 * @typedef {object} MrzHolder
 * @property {string} surname
 * @property {string} givenNames
 * @property {string} nationality 1–3 letter ICAO code
 * @property {string} issuingState
 * @property {"M" | "F" | "X"} sex
 * @property {string} birthDate "YYYY-MM-DD"
 * @property {string} expiryDate "YYYY-MM-DD"
 * @property {string} documentNumber up to 9 characters
 */

/**
 * The three TD1 lines of an ID card.
 * @param {MrzHolder} holder
 * @returns {[string, string, string]}
 * @example
 * td1Lines(holder)[0]; // "IDUTOD231458907<<<<<<<<<<<<<<<"
 */
export function td1Lines(holder) {
  const number = mrzField(holder.documentNumber, 9);
  const line1 = `ID${mrzField(holder.issuingState, 3)}${number}${checkDigit(number)}${"<".repeat(15)}`;
  const birth = mrzDate(holder.birthDate);
  const expiry = mrzDate(holder.expiryDate);
  const optional2 = "<".repeat(11);
  const head = `${birth}${checkDigit(birth)}${holder.sex === "X" ? "<" : holder.sex}${expiry}${checkDigit(expiry)}${mrzField(holder.nationality, 3)}${optional2}`;
  const composite = checkDigit(line1.slice(5, 30) + head.slice(0, 7) + head.slice(8, 15) + head.slice(18, 29));
  return [line1, head + composite, nameField(holder.surname, holder.givenNames, 30)];
}

/**
 * The two TD3 lines of a passport data page.
 * @param {MrzHolder} holder
 * @returns {[string, string]}
 * @example
 * td3Lines(holder)[0].startsWith("P<"); // true
 */
export function td3Lines(holder) {
  const line1 = `P<${mrzField(holder.issuingState, 3)}${nameField(holder.surname, holder.givenNames, 39)}`;
  const number = mrzField(holder.documentNumber, 9);
  const birth = mrzDate(holder.birthDate);
  const expiry = mrzDate(holder.expiryDate);
  const personal = "<".repeat(14);
  const body =
    `${number}${checkDigit(number)}${mrzField(holder.nationality, 3)}${birth}${checkDigit(birth)}` +
    `${holder.sex === "X" ? "<" : holder.sex}${expiry}${checkDigit(expiry)}${personal}${checkDigit(personal)}`;
  const composite = checkDigit(body.slice(0, 10) + body.slice(13, 20) + body.slice(21, 43));
  return [line1, body + composite];
}
