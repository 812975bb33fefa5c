/** Type declarations for scripts/docgen/index.mjs (the sources are JSDoc-typed ES modules; tests import them from TS). */

export type Box = { x: number; y: number; width: number; height: number };
export type Point = [number, number];
export type Kind = "td1" | "td3";
export type Side = "front" | "back";
export type Subsampling = "4:2:0" | "4:4:4";
export type TamperType = "paste_portrait" | "alter_text" | "copy_move" | "editor_resave" | "double_compression" | "thumbnail_mismatch";
export type AppSegment = { marker: number; data: Uint8Array };

export interface Holder {
  surname: string;
  givenNames: string;
  nationality: string;
  issuingState: string;
  stateName: string;
  sex: "M" | "F" | "X";
  birthDate: string;
  issueDate: string;
  expiryDate: string;
  documentNumber: string;
  placeOfBirth: string;
}

export interface Layout {
  id: string;
  paper: [string, string];
  tint: string;
  guilloche: [string, string];
  accent: string;
  ink: string;
  portraitSide: "left" | "right";
  fieldArrangement: "stacked" | "grid";
  dateStyle: "dots" | "spaces" | "month";
  wavePeriod: number;
}

export interface Split {
  layouts: string[];
  fonts: { text: string; numbers: string };
  cameraQualities: number[];
  cameraTables: string[];
  editorTables: string[];
  resaveQualities: number[];
  exifModes: { stripped: number; kept: number; software: number };
  copyMoveFraction: [number, number];
  blurSigma: [number, number];
  rotationDegrees: [number, number];
  tiltFraction: [number, number];
  fill: [number, number];
}

export interface PrintedField { text: string; font: string; size: number; x: number; baseline: number; color: string; box: Box }

export interface FlatDocument {
  kind: Kind;
  side: Side;
  layout: string;
  width: number;
  height: number;
  channels: 4;
  data: Uint8Array;
  boxes: { card: Box; portrait: Box | null; ghost: Box | null; seal: Box; mrz: Box; fields: Record<string, PrintedField>; mrzLines: PrintedField[] };
  mrz: string[];
  holder: Holder;
}

export interface RenderOptions {
  kind: Kind;
  side?: Side;
  holder: Holder;
  face: Uint8Array;
  layout: string | Layout;
  fonts: { text: string; numbers: string };
  seed: number;
  width?: number;
  /** How the MRZ is printed; default DEFAULT_MRZ_STYLE (the look before styles existed). */
  mrzStyle?: Partial<MrzStyle>;
}

export interface MrzStyle {
  /** An installed OCR-B family: "OCR B" or its sharp cut "OCR B S". */
  font: string;
  sizeScale: number;
  /** em */
  letterSpacing: number;
  /** ink spread, px at 1000 px document width */
  stroke: number;
  ink: string;
  bandOpacity: number;
  pattern: "none" | "guilloche";
  patternOpacity: number;
}

export interface ReadingSplit {
  layouts: string[];
  fonts: { text: string; numbers: string };
  mrzFonts: string[];
  mrzSizeScale: [number, number];
  mrzLetterSpacing: [number, number];
  mrzStroke: [number, number];
  mrzInks: string[];
  bandOpacity: [number, number];
  bandPattern: number;
  frameWidths: number[];
  qualities: number[];
  tables: string[];
  blurSigma: [number, number];
  rotationDegrees: [number, number];
  tiltFraction: [number, number];
  noise: [number, number];
  glare: number;
  fill: [number, number];
}

export interface ReadingTruth {
  split: string;
  kind: Kind;
  /** TD1 → "back" (the MRZ side), TD3 → "front" (the data page). */
  side: Side;
  layout: string;
  mrz: string[];
  holder: Pick<Holder, "surname" | "givenNames" | "birthDate" | "documentNumber" | "expiryDate" | "nationality" | "sex">;
  mrzStyle: MrzStyle;
  photo: { width: number; height: number; quality: number; tables: string; conditions: PhotoTruth["conditions"] };
  mrzBox: MappedBox;
}

export interface ReadingSetItem {
  id: string;
  bytes: Uint8Array;
  truth: ReadingTruth;
}

export interface Camera { make: string; model: string; fNumber: number; focalLength: number }

export interface PhotoConditions {
  seed: number;
  width?: number;
  height?: number;
  fill?: number;
  rotationDegrees?: number;
  tilt?: number;
  blurSigma?: number;
  noise?: number;
  vignette?: number;
  glare?: boolean;
  whiteBalance?: [number, number, number];
  quality?: number;
  tables?: "ijg" | "vendor-flat" | "vendor-sharp-chroma";
  subsampling?: Subsampling;
  camera?: Camera;
  gps?: boolean;
}

export type MappedBox = { quad: Point[]; bbox: Box };

export interface CaptureMetadata {
  make: string;
  model: string;
  dateTime: string;
  exposureDenominator: number;
  fNumber: number;
  iso: number;
  focalLength: number;
  gps: { latitude: number; longitude: number } | null;
}

export interface PhotoTruth {
  kind: Kind;
  side: Side;
  layout: string;
  width: number;
  height: number;
  corners: Point[];
  homography: number[];
  boxes: {
    card: MappedBox;
    portrait: MappedBox | null;
    ghost: MappedBox | null;
    seal: MappedBox;
    mrz: MappedBox;
    fields: Record<string, MappedBox & { text: string; flat: PrintedField }>;
  };
  camera: { make: string; model: string };
  quality: number;
  tables: string;
  subsampling: Subsampling;
  exif: CaptureMetadata;
  conditions: { fill: number; rotationDegrees: number; tilt: number; blurSigma: number; noise: number; vignette: number; glare: boolean; whiteBalance: [number, number, number]; surface: string };
  mrz: string[];
  holder: Holder;
}

export interface Photo { bytes: Uint8Array; truth: PhotoTruth }

export interface TamperOptions {
  type: TamperType;
  seed: number;
  split?: "tuning" | "heldout" | Split;
  face?: Uint8Array;
  editorTable?: string;
  exifMode?: "stripped" | "kept" | "software";
}

export interface TamperTruth {
  tampered: true;
  type: TamperType;
  box: Box | null;
  source?: Box;
  edit?: string;
  text?: { field: string; from: string; to: string };
  save: { tables: string; quality: number; subsampling: string; exif: string; software: string | null };
}

export interface DocumentSetItem {
  id: string;
  bytes: Uint8Array;
  truth: PhotoTruth & { split: string; tampered: boolean; type: TamperType | null; box: Box | null; tamper?: TamperTruth };
}

export interface EncodeOptions { luma: readonly number[]; chroma: readonly number[]; subsampling?: Subsampling; segments?: AppSegment[] }
export interface QuantTables { name: string; luma: number[]; chroma: number[] }
export interface PhotoshopTable { name: string; quality: number; scale: "save-as" | "save-for-web"; label: string; subsampling: Subsampling; luma: number[]; chroma: number[] }

export function renderDocument(options: RenderOptions): Promise<FlatDocument>;
export function flatToPng(flat: FlatDocument): Promise<Uint8Array>;
export function formatDate(iso: string, style: "dots" | "spaces" | "month"): string;
export function photograph(flat: FlatDocument, options: PhotoConditions): Promise<Photo>;
export function tamper(photo: Photo, options: TamperOptions): Promise<{ bytes: Uint8Array; truth: TamperTruth }>;
export const TAMPER_TYPES: readonly TamperType[];
export const PHOTOSHOP_SOFTWARE: string;
export function documentSet(options: {
  split: "tuning" | "heldout";
  genuine: number;
  tampered: number;
  seed: number;
  faces: (Uint8Array | string)[];
  width?: number;
  height?: number;
}): AsyncGenerator<DocumentSetItem>;
export function readingSet(options: {
  split: "tuning" | "heldout";
  count: number;
  seed: number;
  kinds?: Kind[];
  faces?: (Uint8Array | string)[];
}): AsyncGenerator<ReadingSetItem>;
export const READING_SPLITS: { tuning: ReadingSplit; heldout: ReadingSplit };
export const DEFAULT_MRZ_STYLE: MrzStyle;
export const SPLITS: { tuning: Split; heldout: Split };
export const LAYOUTS: Record<string, Layout>;
export function randomHolder(seed: number): Holder;
export const STATES: { code: string; name: string }[];
export function td1Lines(holder: Holder): [string, string, string];
export function td3Lines(holder: Holder): [string, string];
export function checkDigit(field: string): string;
export function encodeJpeg(image: { width: number; height: number; channels: 3 | 4; data: Uint8Array }, options: EncodeOptions): Uint8Array;
export function readQuantTables(bytes: Uint8Array): Map<number, number[]>;
export function listSegments(bytes: Uint8Array): AppSegment[];
export const ZIGZAG_TO_NATURAL: readonly number[];
export function ijgTables(quality: number): QuantTables;
export function vendorTables(style: "flat" | "sharp-chroma", quality: number): QuantTables;
export function cameraTables(family: string, quality: number): QuantTables;
export function scaleTable(base: readonly number[], quality: number): number[];
export const ANNEX_K_LUMA: readonly number[];
export const ANNEX_K_CHROMA: readonly number[];
export const PHOTOSHOP_TABLES: readonly PhotoshopTable[];
export function photoshopTable(name: string): PhotoshopTable;
export function buildExifSegment(fields: {
  make: string;
  model: string;
  dateTime: string;
  width: number;
  height: number;
  software?: string;
  exposureDenominator?: number;
  fNumber?: number;
  iso?: number;
  focalLength?: number;
  gps?: { latitude: number; longitude: number };
  thumbnail?: Uint8Array;
}): AppSegment;
export function buildXmpSegment(fields: { creatorTool: string; modifyDate: string }): AppSegment;
export function buildPhotoshopIrbSegment(): AppSegment;
export function buildJfifSegment(): AppSegment;
export function buildAdobeSegment(): AppSegment;
export const CAMERAS: readonly Camera[];
export function createRandom(seed: number): {
  next(): number;
  float(min: number, max: number): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  normal(): number;
};
export function deriveSeed(seed: number, label: string | number): number;
