/**
 * Coarse bounding boxes of ~80 countries, to tell whether a photo's GPS point lies clearly outside the country the
 * applicant declared. A box is a superset of the country (it covers neighbours' land and sea too), so "inside a box"
 * proves nothing and only "outside every box, by more than the margin" is reported. Overseas territories that
 * issue the country's documents have their own boxes where they are populous (France, Netherlands, Spain, Portugal,
 * Denmark, Norway, the US, Australia, New Zealand, Japan, Chile, Ecuador); small remote islands are left out, so a
 * photo taken there reads as outside. Countries not listed give `null` (unknown), never a mismatch.
 */

/** `[minLat, minLon, maxLat, maxLon]` in degrees; no box crosses the antimeridian (such countries get two). */
export type GeoBox = readonly [minLat: number, minLon: number, maxLat: number, maxLon: number];

interface CountryBoxes {
  alpha3: string;
  boxes: readonly GeoBox[];
}

/** Degrees added around every box (~55 km): borders, coasts and GPS drift must not read as "abroad". */
export const GEO_MARGIN_DEGREES = 0.5;

const COUNTRIES: Record<string, CountryBoxes> = {
  // Americas
  US: {
    alpha3: "USA",
    boxes: [
      [24.4, -124.8, 49.4, -66.9], // contiguous states
      [51.2, -179.9, 71.5, -129.9], // Alaska
      [51.2, 172.4, 53.1, 180], // western Aleutians
      [18.9, -160.3, 22.3, -154.8], // Hawaii
      [17.6, -67.3, 18.6, -64.5], // Puerto Rico, US Virgin Islands
      [13.2, 144.6, 20.6, 146.1], // Guam, Northern Marianas
    ],
  },
  CA: { alpha3: "CAN", boxes: [[41.7, -141.1, 83.2, -52.6]] },
  MX: { alpha3: "MEX", boxes: [[14.5, -118.5, 32.8, -86.7]] },
  BR: { alpha3: "BRA", boxes: [[-33.8, -74.0, 5.3, -34.8]] },
  AR: { alpha3: "ARG", boxes: [[-55.1, -73.6, -21.8, -53.6]] },
  CL: { alpha3: "CHL", boxes: [[-56.0, -75.7, -17.5, -66.4], [-27.3, -109.5, -27.0, -109.2]] },
  CO: { alpha3: "COL", boxes: [[-4.3, -81.8, 13.4, -66.8]] },
  PE: { alpha3: "PER", boxes: [[-18.4, -81.4, 0.0, -68.6]] },
  VE: { alpha3: "VEN", boxes: [[0.6, -73.4, 12.2, -59.8]] },
  EC: { alpha3: "ECU", boxes: [[-5.0, -81.1, 1.7, -75.2], [-1.5, -92.0, 0.7, -89.2]] },
  // Europe
  GB: { alpha3: "GBR", boxes: [[49.9, -8.7, 60.9, 1.8]] },
  IE: { alpha3: "IRL", boxes: [[51.4, -10.7, 55.4, -5.9]] },
  FR: {
    alpha3: "FRA",
    boxes: [
      [41.3, -5.2, 51.1, 9.6], // metropolitan France and Corsica
      [14.4, -61.8, 16.5, -60.8], // Guadeloupe, Martinique
      [2.1, -54.6, 5.8, -51.6], // French Guiana
      [-21.4, 55.2, -20.9, 55.9], // Réunion
      [-13.0, 45.0, -12.6, 45.3], // Mayotte
      [-22.7, 163.5, -19.5, 168.2], // New Caledonia
      [-27.7, -154.8, -7.8, -134.9], // French Polynesia
    ],
  },
  DE: { alpha3: "DEU", boxes: [[47.2, 5.8, 55.1, 15.1]] },
  ES: { alpha3: "ESP", boxes: [[36.0, -9.4, 43.8, 4.4], [27.6, -18.2, 29.5, -13.4], [35.2, -5.4, 35.9, -2.9]] },
  PT: { alpha3: "PRT", boxes: [[36.9, -9.6, 42.2, -6.2], [36.9, -31.3, 39.8, -24.9], [32.4, -17.3, 33.2, -16.2]] },
  IT: { alpha3: "ITA", boxes: [[35.4, 6.6, 47.1, 18.6]] },
  NL: { alpha3: "NLD", boxes: [[50.7, 3.3, 53.6, 7.3], [12.0, -70.1, 18.1, -62.9]] },
  BE: { alpha3: "BEL", boxes: [[49.5, 2.5, 51.5, 6.4]] },
  LU: { alpha3: "LUX", boxes: [[49.4, 5.7, 50.2, 6.6]] },
  CH: { alpha3: "CHE", boxes: [[45.8, 5.9, 47.9, 10.5]] },
  AT: { alpha3: "AUT", boxes: [[46.4, 9.5, 49.1, 17.2]] },
  PL: { alpha3: "POL", boxes: [[49.0, 14.1, 54.9, 24.2]] },
  CZ: { alpha3: "CZE", boxes: [[48.5, 12.1, 51.1, 18.9]] },
  SK: { alpha3: "SVK", boxes: [[47.7, 16.8, 49.7, 22.6]] },
  HU: { alpha3: "HUN", boxes: [[45.7, 16.1, 48.6, 22.9]] },
  RO: { alpha3: "ROU", boxes: [[43.6, 20.2, 48.3, 29.7]] },
  BG: { alpha3: "BGR", boxes: [[41.2, 22.3, 44.3, 28.6]] },
  GR: { alpha3: "GRC", boxes: [[34.8, 19.3, 41.8, 29.7]] },
  HR: { alpha3: "HRV", boxes: [[42.4, 13.5, 46.6, 19.5]] },
  SI: { alpha3: "SVN", boxes: [[45.4, 13.4, 46.9, 16.6]] },
  RS: { alpha3: "SRB", boxes: [[42.2, 18.8, 46.2, 23.0]] },
  CY: { alpha3: "CYP", boxes: [[34.5, 32.3, 35.7, 34.6]] },
  MT: { alpha3: "MLT", boxes: [[35.8, 14.2, 36.1, 14.6]] },
  IS: { alpha3: "ISL", boxes: [[63.3, -24.6, 66.6, -13.5]] },
  SE: { alpha3: "SWE", boxes: [[55.3, 10.9, 69.1, 24.2]] },
  NO: { alpha3: "NOR", boxes: [[57.9, 4.6, 71.2, 31.1], [76.4, 10.4, 80.9, 33.7]] },
  FI: { alpha3: "FIN", boxes: [[59.7, 19.1, 70.1, 31.6]] },
  DK: { alpha3: "DNK", boxes: [[54.5, 8.0, 57.8, 15.2], [61.3, -7.7, 62.4, -6.2], [59.7, -73.3, 83.7, -11.3]] },
  EE: { alpha3: "EST", boxes: [[57.5, 21.7, 59.7, 28.2]] },
  LV: { alpha3: "LVA", boxes: [[55.6, 20.9, 58.1, 28.3]] },
  LT: { alpha3: "LTU", boxes: [[53.9, 20.9, 56.5, 26.9]] },
  UA: { alpha3: "UKR", boxes: [[44.3, 22.1, 52.4, 40.3]] },
  BY: { alpha3: "BLR", boxes: [[51.3, 23.2, 56.2, 32.8]] },
  RU: { alpha3: "RUS", boxes: [[41.1, 19.6, 81.9, 180], [64.0, -180, 71.7, -169.0]] },
  TR: { alpha3: "TUR", boxes: [[35.8, 25.6, 42.1, 44.8]] },
  // Middle East and Africa
  IL: { alpha3: "ISR", boxes: [[29.4, 34.2, 33.4, 35.9]] },
  SA: { alpha3: "SAU", boxes: [[16.3, 34.5, 32.2, 55.7]] },
  AE: { alpha3: "ARE", boxes: [[22.6, 51.5, 26.1, 56.4]] },
  QA: { alpha3: "QAT", boxes: [[24.4, 50.7, 26.2, 51.7]] },
  KW: { alpha3: "KWT", boxes: [[28.5, 46.5, 30.1, 48.5]] },
  JO: { alpha3: "JOR", boxes: [[29.1, 34.9, 33.4, 39.3]] },
  LB: { alpha3: "LBN", boxes: [[33.0, 35.1, 34.7, 36.7]] },
  EG: { alpha3: "EGY", boxes: [[21.9, 24.7, 31.7, 36.9]] },
  MA: { alpha3: "MAR", boxes: [[20.7, -17.1, 35.95, -1.0]] }, // with Western Sahara, which Morocco administers
  DZ: { alpha3: "DZA", boxes: [[18.9, -8.7, 37.1, 12.0]] },
  TN: { alpha3: "TUN", boxes: [[30.2, 7.5, 37.6, 11.6]] },
  NG: { alpha3: "NGA", boxes: [[4.2, 2.7, 13.9, 14.7]] },
  GH: { alpha3: "GHA", boxes: [[4.7, -3.3, 11.2, 1.2]] },
  KE: { alpha3: "KEN", boxes: [[-4.7, 33.9, 5.0, 41.9]] },
  ET: { alpha3: "ETH", boxes: [[3.4, 33.0, 14.9, 48.0]] },
  ZA: { alpha3: "ZAF", boxes: [[-34.9, 16.4, -22.1, 32.9]] },
  // Asia and Oceania
  IN: { alpha3: "IND", boxes: [[6.7, 68.1, 37.1, 97.4]] },
  PK: { alpha3: "PAK", boxes: [[23.6, 60.9, 37.1, 77.8]] },
  BD: { alpha3: "BGD", boxes: [[20.6, 88.0, 26.7, 92.7]] },
  LK: { alpha3: "LKA", boxes: [[5.9, 79.5, 9.9, 81.9]] },
  CN: { alpha3: "CHN", boxes: [[18.1, 73.5, 53.6, 134.8]] },
  JP: { alpha3: "JPN", boxes: [[24.0, 122.9, 45.6, 145.9], [20.4, 136.0, 27.8, 154.0]] },
  KR: { alpha3: "KOR", boxes: [[33.1, 124.5, 38.7, 131.9]] },
  TW: { alpha3: "TWN", boxes: [[21.8, 118.1, 26.4, 122.1]] },
  HK: { alpha3: "HKG", boxes: [[22.1, 113.8, 22.6, 114.5]] },
  SG: { alpha3: "SGP", boxes: [[1.1, 103.6, 1.5, 104.1]] },
  MY: { alpha3: "MYS", boxes: [[0.8, 99.6, 7.4, 119.3]] },
  TH: { alpha3: "THA", boxes: [[5.6, 97.3, 20.5, 105.7]] },
  VN: { alpha3: "VNM", boxes: [[8.4, 102.1, 23.4, 109.5]] },
  PH: { alpha3: "PHL", boxes: [[4.5, 116.9, 21.2, 126.6]] },
  ID: { alpha3: "IDN", boxes: [[-11.0, 95.0, 6.1, 141.1]] },
  AU: {
    alpha3: "AUS",
    boxes: [
      [-43.7, 112.9, -9.1, 153.7], // mainland, Tasmania, Torres Strait
      [-31.6, 159.0, -29.0, 168.0], // Lord Howe, Norfolk
      [-12.2, 96.8, -10.4, 105.8], // Cocos, Christmas Island
    ],
  },
  NZ: { alpha3: "NZL", boxes: [[-47.3, 166.4, -34.4, 178.6], [-44.4, -176.9, -43.7, -176.1]] },
};

/** Codes that are not ISO 3166 but appear where a country is declared (German MRZ "D", "UK"). */
const ALIASES: Record<string, string> = { D: "DE", UK: "GB" };

const BY_ALPHA3 = new Map(Object.entries(COUNTRIES).map(([alpha2, c]) => [c.alpha3, alpha2]));

/**
 * The boxes of a country by ISO alpha-2 or alpha-3 code (case-insensitive), or null when it is not listed.
 *
 * @example
 * countryBoxes("FRA")?.length; // 7 — metropolitan France and its overseas regions
 */
export function countryBoxes(code: string): readonly GeoBox[] | null {
  const upper = code.trim().toUpperCase();
  const alpha2 = ALIASES[upper] ?? (upper.length === 3 ? BY_ALPHA3.get(upper) : upper);
  return (alpha2 && COUNTRIES[alpha2]?.boxes) || null;
}

/**
 * Whether the point lies outside every box of the country, by more than `GEO_MARGIN_DEGREES`.
 * `null` when the country is not listed or the point is not a valid coordinate.
 *
 * @example
 * isClearlyOutsideCountry(48.86, 2.35, "FR"); // false (Paris)
 * isClearlyOutsideCountry(40.71, -74.0, "FR"); // true (New York)
 * isClearlyOutsideCountry(40.71, -74.0, "ZZ"); // null
 */
export function isClearlyOutsideCountry(lat: number, lon: number, code: string): boolean | null {
  const boxes = countryBoxes(code);
  if (!boxes || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  const m = GEO_MARGIN_DEGREES;
  const inside = boxes.some(([minLat, minLon, maxLat, maxLon]) => {
    if (lat < minLat - m || lat > maxLat + m) return false;
    if (lon >= minLon - m && lon <= maxLon + m) return true;
    // The margin wraps across the antimeridian for boxes that touch it.
    return (maxLon + m > 180 && lon <= maxLon + m - 360) || (minLon - m < -180 && lon >= minLon - m + 360);
  });
  return !inside;
}
