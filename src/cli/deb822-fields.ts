/**
 * A line-at-a-time reader of deb822 paragraphs (dpkg's status file, apt's
 * Packages lists) that keeps only the few one-line fields asked for. apt's lists
 * run to hundreds of megabytes, so nothing but the current paragraph's wanted
 * fields is ever held.
 *
 * Lenient on purpose, unlike the .deb control parser: these files are written by
 * dpkg and apt (apt only after checking the repository's signature), and a field
 * we do not read (a long Description, Conffiles) must not stop the report.
 * Continuation lines and comments are skipped; the last of a repeated field wins.
 * Pure: no I/O.
 */

export type Paragraph = ReadonlyMap<string, string>;

export class FieldScanner {
  private readonly wanted: ReadonlySet<string>;
  private fields = new Map<string, string>();
  private inParagraph = false;

  /** `names` are matched case-insensitively, as deb822 field names are. */
  constructor(names: readonly string[]) {
    this.wanted = new Set(names.map((n) => n.toLowerCase()));
  }

  /** One line without its `\n`; returns the paragraph this line ends, if any. */
  line(text: string): Paragraph | undefined {
    const first = text.charCodeAt(0);
    // Space, tab or CR first: blank (ends the paragraph) or a continuation line. Tested
    // in this order because lists have millions of lines and most start with a letter.
    if (text.length === 0 || first === 0x20 || first === 0x09 || first === 0x0d) {
      if (/^[ \t]*\r?$/.test(text)) return this.flush();
      this.inParagraph = true;
      return undefined;
    }
    this.inParagraph = true;
    // "#": a comment.
    if (first === 0x23) return undefined;
    const colon = text.indexOf(':');
    if (colon <= 0) return undefined;
    const name = text.slice(0, colon).toLowerCase();
    if (this.wanted.has(name)) this.fields.set(name, text.slice(colon + 1).trim());
    return undefined;
  }

  /** At the end of the input: the last paragraph, when the text does not end with a blank line. */
  end(): Paragraph | undefined {
    return this.flush();
  }

  private flush(): Paragraph | undefined {
    if (!this.inParagraph) return undefined;
    const paragraph = this.fields;
    this.fields = new Map();
    this.inParagraph = false;
    return paragraph;
  }
}

/** Every paragraph of a whole text (small files such as dpkg's status). */
export function scanParagraphs(text: string, names: readonly string[]): Paragraph[] {
  const scanner = new FieldScanner(names);
  const paragraphs: Paragraph[] = [];
  for (const line of text.split('\n')) {
    const done = scanner.line(line);
    if (done) paragraphs.push(done);
  }
  const last = scanner.end();
  if (last) paragraphs.push(last);
  return paragraphs;
}
