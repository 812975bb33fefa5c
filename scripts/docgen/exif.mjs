/**
 * Builders for the metadata segments a camera or an editor writes: an Exif APP1 (a small TIFF writer with IFD0, the
 * Exif IFD, an optional GPS IFD and IFD1 with a JPEG thumbnail), an XMP APP1, a Photoshop IRB APP13, a JFIF APP0 and
 * an Adobe APP14. All return `{ marker, data }` for `encodeJpeg`'s `segments`.
 */

const TYPE_SIZE = { 1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 7: 1 };

/**
 * @typedef {{ tag: number, type: 1 | 2 | 3 | 4 | 5 | 7, value: string | number | number[] | Uint8Array }} TiffEntry
 * RATIONAL values are given as [numerator, denominator, …] pairs; ASCII values get their NUL appended here.
 */

/** @param {TiffEntry} entry → the value's bytes count and element count */
function entryCount(entry) {
  if (entry.type === 2) return String(entry.value).length + 1;
  if (entry.type === 5) return /** @type {number[]} */ (entry.value).length / 2;
  if (typeof entry.value === "number") return 1;
  return /** @type {number[] | Uint8Array} */ (entry.value).length;
}

/** @param {DataView} view @param {number} offset @param {TiffEntry} entry */
function writeValue(view, offset, entry) {
  const { type, value } = entry;
  if (type === 2) {
    const text = String(value);
    for (let i = 0; i < text.length; i++) view.setUint8(offset + i, text.charCodeAt(i) & 0x7f);
    view.setUint8(offset + text.length, 0);
    return;
  }
  const values = typeof value === "number" ? [value] : Array.from(/** @type {ArrayLike<number>} */ (value));
  values.forEach((v, i) => {
    if (type === 1 || type === 7) view.setUint8(offset + i, v);
    else if (type === 3) view.setUint16(offset + i * 2, v, true);
    else view.setUint32(offset + i * 4, v, true);
  });
}

/** @param {TiffEntry[]} entries → bytes of the IFD with its out-of-line data */
function ifdSize(entries) {
  let size = 2 + entries.length * 12 + 4;
  for (const entry of entries) {
    const bytes = entryCount(entry) * TYPE_SIZE[entry.type];
    if (bytes > 4) size += bytes + (bytes & 1);
  }
  return size;
}

/** @param {DataView} view @param {number} start @param {TiffEntry[]} entries @param {number} nextIfd */
function writeIfd(view, start, entries, nextIfd) {
  const sorted = [...entries].sort((a, b) => a.tag - b.tag);
  view.setUint16(start, sorted.length, true);
  let dataOffset = start + 2 + sorted.length * 12 + 4;
  sorted.forEach((entry, i) => {
    const at = start + 2 + i * 12;
    const count = entryCount(entry);
    const bytes = count * TYPE_SIZE[entry.type];
    view.setUint16(at, entry.tag, true);
    view.setUint16(at + 2, entry.type, true);
    view.setUint32(at + 4, count, true);
    if (bytes <= 4) writeValue(view, at + 8, entry);
    else {
      view.setUint32(at + 8, dataOffset, true);
      writeValue(view, dataOffset, entry);
      dataOffset += bytes + (bytes & 1);
    }
  });
  view.setUint32(start + 2 + sorted.length * 12, nextIfd, true);
}

/**
 * @typedef {object} ExifFields
 * @property {string} make
 * @property {string} model
 * @property {string} dateTime "YYYY:MM:DD HH:MM:SS"
 * @property {number} width pixel width of the main image
 * @property {number} height
 * @property {string} [software] written to IFD0 when present (editors)
 * @property {number} [exposureDenominator] 1/x s
 * @property {number} [fNumber] e.g. 1.8
 * @property {number} [iso]
 * @property {number} [focalLength] mm
 * @property {{ latitude: number, longitude: number }} [gps]
 * @property {Uint8Array} [thumbnail] a JPEG, stored in IFD1
 */

/** @param {number} value → RATIONAL pair with 1/1000 precision */
function rational(value) {
  return [Math.round(value * 1000), 1000];
}

/** @param {number} degrees → three RATIONALs: degrees, minutes, seconds×100 */
function dms(degrees) {
  const abs = Math.abs(degrees);
  const d = Math.floor(abs);
  const minutes = (abs - d) * 60;
  const m = Math.floor(minutes);
  return [d, 1, m, 1, Math.round((minutes - m) * 60 * 100), 100];
}

/**
 * Builds the Exif APP1 payload ("Exif\0\0" + little-endian TIFF) a phone camera writes.
 * @param {ExifFields} fields
 * @returns {{ marker: number, data: Uint8Array }}
 * @example
 * const app1 = buildExifSegment({ make: "Google", model: "Pixel 7", dateTime: "2025:03:01 10:00:00", width: 2000, height: 1500 });
 */
export function buildExifSegment(fields) {
  /** @type {TiffEntry[]} */
  const ifd0 = [
    { tag: 0x010f, type: 2, value: fields.make },
    { tag: 0x0110, type: 2, value: fields.model },
    { tag: 0x0112, type: 3, value: 1 },
    { tag: 0x011a, type: 5, value: [72, 1] },
    { tag: 0x011b, type: 5, value: [72, 1] },
    { tag: 0x0128, type: 3, value: 2 },
    { tag: 0x0132, type: 2, value: fields.dateTime },
    { tag: 0x0213, type: 3, value: 1 },
    { tag: 0x8769, type: 4, value: 0 },
  ];
  if (fields.software) ifd0.push({ tag: 0x0131, type: 2, value: fields.software });
  if (fields.gps) ifd0.push({ tag: 0x8825, type: 4, value: 0 });
  /** @type {TiffEntry[]} */
  const exifIfd = [
    { tag: 0x829a, type: 5, value: [1, fields.exposureDenominator ?? 120] },
    { tag: 0x829d, type: 5, value: rational(fields.fNumber ?? 1.8) },
    { tag: 0x8827, type: 3, value: fields.iso ?? 100 },
    { tag: 0x9000, type: 7, value: [0x30, 0x32, 0x33, 0x32] },
    { tag: 0x9003, type: 2, value: fields.dateTime },
    { tag: 0x9004, type: 2, value: fields.dateTime },
    { tag: 0x920a, type: 5, value: rational(fields.focalLength ?? 5.4) },
    { tag: 0xa001, type: 3, value: 1 },
    { tag: 0xa002, type: 4, value: fields.width },
    { tag: 0xa003, type: 4, value: fields.height },
  ];
  /** @type {TiffEntry[]} */
  const gpsIfd = fields.gps
    ? [
        { tag: 0x0000, type: 1, value: [2, 3, 0, 0] },
        { tag: 0x0001, type: 2, value: fields.gps.latitude >= 0 ? "N" : "S" },
        { tag: 0x0002, type: 5, value: dms(fields.gps.latitude) },
        { tag: 0x0003, type: 2, value: fields.gps.longitude >= 0 ? "E" : "W" },
        { tag: 0x0004, type: 5, value: dms(fields.gps.longitude) },
      ]
    : [];
  /** @type {TiffEntry[]} */
  const ifd1 = fields.thumbnail
    ? [
        { tag: 0x0103, type: 3, value: 6 },
        { tag: 0x011a, type: 5, value: [72, 1] },
        { tag: 0x011b, type: 5, value: [72, 1] },
        { tag: 0x0128, type: 3, value: 2 },
        { tag: 0x0201, type: 4, value: 0 },
        { tag: 0x0202, type: 4, value: fields.thumbnail.length },
      ]
    : [];

  // Layout: header, IFD0, Exif IFD, GPS IFD, IFD1, thumbnail. Sizes do not depend on the pointer values.
  const ifd0At = 8;
  const exifAt = ifd0At + ifdSize(ifd0);
  const gpsAt = exifAt + ifdSize(exifIfd);
  const ifd1At = gpsAt + (gpsIfd.length ? ifdSize(gpsIfd) : 0);
  const thumbAt = ifd1At + (ifd1.length ? ifdSize(ifd1) : 0);
  const total = thumbAt + (fields.thumbnail?.length ?? 0);
  const setPointer = (/** @type {TiffEntry[]} */ entries, /** @type {number} */ tag, /** @type {number} */ value) => {
    const entry = entries.find((e) => e.tag === tag);
    if (entry) entry.value = value;
  };
  setPointer(ifd0, 0x8769, exifAt);
  setPointer(ifd0, 0x8825, gpsAt);
  setPointer(ifd1, 0x0201, thumbAt);

  const data = new Uint8Array(6 + total);
  data.set([0x45, 0x78, 0x69, 0x66, 0, 0]);
  const view = new DataView(data.buffer, 6);
  view.setUint16(0, 0x4949, false);
  view.setUint16(2, 42, true);
  view.setUint32(4, ifd0At, true);
  writeIfd(view, ifd0At, ifd0, ifd1.length ? ifd1At : 0);
  writeIfd(view, exifAt, exifIfd, 0);
  if (gpsIfd.length) writeIfd(view, gpsAt, gpsIfd, 0);
  if (ifd1.length && fields.thumbnail) {
    writeIfd(view, ifd1At, ifd1, 0);
    data.set(fields.thumbnail, 6 + thumbAt);
  }
  return { marker: 0xe1, data };
}

const encoder = new TextEncoder();

/**
 * An XMP APP1 packet naming the editing tool, as Photoshop writes it.
 * @param {{ creatorTool: string, modifyDate: string }} fields modifyDate in ISO 8601
 * @returns {{ marker: number, data: Uint8Array }}
 * @example
 * buildXmpSegment({ creatorTool: "Adobe Photoshop 25.0 (Windows)", modifyDate: "2025-03-02T10:00:00" });
 */
export function buildXmpSegment(fields) {
  const packet =
    `<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>` +
    `<x:xmpmeta xmlns:x="adobe:ns:meta/" x:xmptk="Adobe XMP Core 9.1-c001">` +
    `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">` +
    `<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/"` +
    ` xmp:CreatorTool="${fields.creatorTool}" xmp:ModifyDate="${fields.modifyDate}" xmp:MetadataDate="${fields.modifyDate}"` +
    ` photoshop:ColorMode="3"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>`;
  const id = encoder.encode("http://ns.adobe.com/xap/1.0/\0");
  const body = encoder.encode(packet);
  const data = new Uint8Array(id.length + body.length);
  data.set(id);
  data.set(body, id.length);
  return { marker: 0xe1, data };
}

/**
 * A Photoshop "Image Resource Block" APP13 with an empty IPTC record and its MD5 resource (0x0404, 0x0425), the
 * minimal block Photoshop writes on every save.
 * @returns {{ marker: number, data: Uint8Array }}
 * @example
 * buildPhotoshopIrbSegment().marker; // 0xED
 */
export function buildPhotoshopIrbSegment() {
  const header = encoder.encode("Photoshop 3.0\0");
  const resource = (/** @type {number} */ id, /** @type {number[]} */ payload) => [
    0x38, 0x42, 0x49, 0x4d, id >> 8, id & 0xff, 0, 0, 0, 0, payload.length >> 8, payload.length & 0xff, ...payload,
    ...(payload.length & 1 ? [0] : []),
  ];
  // MD5 of an empty IPTC block (d41d8cd98f00b204e9800998ecf8427e).
  const md5 = [0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42, 0x7e];
  const body = [...resource(0x0404, []), ...resource(0x0425, md5)];
  const data = new Uint8Array(header.length + body.length);
  data.set(header);
  data.set(body, header.length);
  return { marker: 0xed, data };
}

/**
 * JFIF APP0 (1.01, 72 dpi, no thumbnail), written by most editors.
 * @returns {{ marker: number, data: Uint8Array }}
 * @example
 * buildJfifSegment().marker; // 0xE0
 */
export function buildJfifSegment() {
  return { marker: 0xe0, data: new Uint8Array([0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 1, 0, 72, 0, 72, 0, 0]) };
}

/**
 * Adobe APP14 (DCTEncode version 100, transform 1 = YCbCr), which Photoshop appends after its metadata.
 * @returns {{ marker: number, data: Uint8Array }}
 * @example
 * buildAdobeSegment().marker; // 0xEE
 */
export function buildAdobeSegment() {
  return { marker: 0xee, data: new Uint8Array([0x41, 0x64, 0x6f, 0x62, 0x65, 0, 100, 0, 0, 0, 0, 1]) };
}
