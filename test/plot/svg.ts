// Parses an SVG document strictly (any XML error throws) for structure checks.
import { DOMParser, type Document, type Element } from '@xmldom/xmldom';

export function parseSvg(text: string): Document {
  const errors: string[] = [];
  const doc = new DOMParser({
    onError: (level, msg) => {
      if (level !== 'warning') errors.push(msg);
    },
  }).parseFromString(text, 'image/svg+xml');
  if (errors.length) throw new Error(`invalid SVG: ${errors.join('; ')}`);
  return doc;
}

export function byClass(doc: Document, tag: string, cls: string): Element[] {
  return Array.from(doc.getElementsByTagName(tag)).filter((e) => (e.getAttribute('class') ?? '').split(/\s+/).includes(cls));
}

export function texts(els: Element[]): string[] {
  return els.map((e) => e.textContent ?? '');
}
