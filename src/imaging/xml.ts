/**
 * The XML parser exifreader needs for XMP. workerd has no global `DOMParser`, and exifreader's own fallback
 * (`require('@xmldom/xmldom')`) does not exist in a bundled Worker, so without this every XMP packet is skipped
 * with "Warning: DOMParser is not available" on the console. xmldom is pure JavaScript and runs in both.
 *
 * xmldom reports every recoverable problem to `console.error` unless given `onError`; ours stays silent on
 * warnings and stops on errors by throwing; exifreader then retries once when a namespace prefix was left
 * undeclared (common in phone XMP), and otherwise drops the packet.
 */
import { DOMParser } from "@xmldom/xmldom";

/** The one method exifreader calls (its `XmlDomParser`). */
export interface XmlDomParser {
  parseFromString(xml: string, mimeType: string): unknown;
}

function stopOnError(level: "warning" | "error" | "fatalError", message: string): void {
  if (level !== "warning") throw new Error(message);
}

/**
 * A fresh parser per document: xmldom keeps per-parse state on the instance, and a new one costs nothing.
 * XMP is small (one 64 KB APP1 segment, or a few for extended XMP), and xmldom does not expand entities
 * declared in a DTD, so a hostile packet cannot grow by entity expansion.
 *
 * @example
 * ExifReader.loadView(view, { expanded: true, domParser: xmpDomParser });
 */
export const xmpDomParser: XmlDomParser = {
  parseFromString(xml: string, mimeType: string): unknown {
    try {
      return new DOMParser({ onError: stopOnError }).parseFromString(xml, mimeType as "application/xml");
    } catch (cause) {
      // exifreader retries a packet with undeclared prefixes only after an error *named* "ParseError"; bundlers
      // rename xmldom's class when names collide (esbuild, hence wrangler, makes it "ParseError2"), so set it here.
      const error = new Error(cause instanceof Error ? cause.message : String(cause), { cause });
      error.name = "ParseError";
      throw error;
    }
  },
};
