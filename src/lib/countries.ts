/**
 * Country codes as clients send them: ISO 3166-1 alpha-2 (`DE`), alpha-3 (`DEU`), and the ICAO Doc 9303 codes
 * that passports and their MRZ carry where those differ (`D` for Germany, `GBN` for British National (Overseas),
 * `XXA` stateless, `UTO` the specimen state…). `parseCountry` normalises once, at the API's edge, to the alpha-2
 * code when the country has one (what `cf.country` and the rest of the system compare with) or else to the
 * ICAO code itself, and keeps the code as sent. Pure data; no I/O.
 */

/** ISO 3166-1: alpha-2 then alpha-3, for every officially assigned code (249), plus Kosovo's user-assigned XK/XKX. */
const ISO = `AD AND AE ARE AF AFG AG ATG AI AIA AL ALB AM ARM AO AGO AQ ATA AR ARG AS ASM AT AUT AU AUS AW ABW AX ALA AZ AZE
BA BIH BB BRB BD BGD BE BEL BF BFA BG BGR BH BHR BI BDI BJ BEN BL BLM BM BMU BN BRN BO BOL BQ BES BR BRA BS BHS BT BTN
BV BVT BW BWA BY BLR BZ BLZ CA CAN CC CCK CD COD CF CAF CG COG CH CHE CI CIV CK COK CL CHL CM CMR CN CHN CO COL CR CRI
CU CUB CV CPV CW CUW CX CXR CY CYP CZ CZE DE DEU DJ DJI DK DNK DM DMA DO DOM DZ DZA EC ECU EE EST EG EGY EH ESH ER ERI
ES ESP ET ETH FI FIN FJ FJI FK FLK FM FSM FO FRO FR FRA GA GAB GB GBR GD GRD GE GEO GF GUF GG GGY GH GHA GI GIB GL GRL
GM GMB GN GIN GP GLP GQ GNQ GR GRC GS SGS GT GTM GU GUM GW GNB GY GUY HK HKG HM HMD HN HND HR HRV HT HTI HU HUN ID IDN
IE IRL IL ISR IM IMN IN IND IO IOT IQ IRQ IR IRN IS ISL IT ITA JE JEY JM JAM JO JOR JP JPN KE KEN KG KGZ KH KHM KI KIR
KM COM KN KNA KP PRK KR KOR KW KWT KY CYM KZ KAZ LA LAO LB LBN LC LCA LI LIE LK LKA LR LBR LS LSO LT LTU LU LUX LV LVA
LY LBY MA MAR MC MCO MD MDA ME MNE MF MAF MG MDG MH MHL MK MKD ML MLI MM MMR MN MNG MO MAC MP MNP MQ MTQ MR MRT MS MSR
MT MLT MU MUS MV MDV MW MWI MX MEX MY MYS MZ MOZ NA NAM NC NCL NE NER NF NFK NG NGA NI NIC NL NLD NO NOR NP NPL NR NRU
NU NIU NZ NZL OM OMN PA PAN PE PER PF PYF PG PNG PH PHL PK PAK PL POL PM SPM PN PCN PR PRI PS PSE PT PRT PW PLW PY PRY
QA QAT RE REU RO ROU RS SRB RU RUS RW RWA SA SAU SB SLB SC SYC SD SDN SE SWE SG SGP SH SHN SI SVN SJ SJM SK SVK SL SLE
SM SMR SN SEN SO SOM SR SUR SS SSD ST STP SV SLV SX SXM SY SYR SZ SWZ TC TCA TD TCD TF ATF TG TGO TH THA TJ TJK TK TKL
TL TLS TM TKM TN TUN TO TON TR TUR TT TTO TV TUV TW TWN TZ TZA UA UKR UG UGA UM UMI US USA UY URY UZ UZB VA VAT VC VCT
VE VEN VG VGB VI VIR VN VNM VU VUT WF WLF WS WSM YE YEM YT MYT ZA ZAF ZM ZMB ZW ZWE XK XKX`;

/**
 * ICAO Doc 9303 Part 3 codes that are not ISO alpha-3, with the ISO alpha-2 country they belong to (null for
 * organisations, the stateless and refugees, and the specimen state Utopia).
 */
const ICAO: Record<string, string | null> = {
  D: "DE",
  GBD: "GB", // British Overseas Territories Citizen
  GBN: "GB", // British National (Overseas)
  GBO: "GB", // British Overseas Citizen
  GBP: "GB", // British Protected Person
  GBS: "GB", // British Subject
  RKS: "XK", // Kosovo, as its own passports write it
  UNK: "XK", // UN Interim Administration in Kosovo
  EUE: null, // European Union
  UNO: null, // United Nations
  UNA: null, // a UN specialised agency
  XBA: null, // African Development Bank
  XIM: null, // African Export–Import Bank
  XCC: null, // Caribbean Community
  XCE: null, // Council of Europe
  XCO: null, // Common Market for Eastern and Southern Africa
  XEC: null, // Economic Community of West African States
  XES: null, // Organisation of Eastern Caribbean States
  XMP: null, // Parliamentary Assembly of the Mediterranean
  XOM: null, // Sovereign Military Order of Malta
  XPO: null, // INTERPOL
  XDC: null, // Southern African Development Community
  XXA: null, // stateless person
  XXB: null, // refugee (1951 Convention)
  XXC: null, // refugee (other)
  XXX: null, // unspecified nationality
  UTO: null, // Utopia, the specimen state of ICAO examples
};

const alpha2To3 = new Map<string, string>();
const alpha3To2 = new Map<string, string>();
{
  const codes = ISO.split(/\s+/);
  for (let i = 0; i < codes.length; i += 2) {
    alpha2To3.set(codes[i], codes[i + 1]);
    alpha3To2.set(codes[i + 1], codes[i]);
  }
}

export interface Country {
  /** The normalised code: ISO alpha-2 when the country has one, else the ICAO code (e.g. `UTO`, `XXA`). */
  code: string;
  alpha2: string | null;
  /** ISO alpha-3 (for ICAO-only codes, the ICAO code). */
  alpha3: string;
  /** Exactly what the client sent. */
  sent: string;
}

/** The country a code names, or null when it is no ISO 3166-1 or ICAO code. Case and surrounding spaces are ignored. */
export function parseCountry(input: string): Country | null {
  const code = input.trim().toUpperCase();
  if (code.length === 2) {
    const alpha3 = alpha2To3.get(code);
    return alpha3 ? { code, alpha2: code, alpha3, sent: input } : null;
  }
  const alpha2 = alpha3To2.get(code);
  if (alpha2) return { code: alpha2, alpha2, alpha3: code, sent: input };
  if (code in ICAO) {
    const owner = ICAO[code];
    return { code: owner ?? code, alpha2: owner, alpha3: owner ? (alpha2To3.get(owner) as string) : code, sent: input };
  }
  return null;
}

/** Number of ISO 3166-1 entries known (for tests). */
export const ISO_COUNTRY_COUNT = alpha2To3.size;
