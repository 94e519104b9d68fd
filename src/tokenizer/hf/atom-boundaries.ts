import type { TokenizerFile } from '../format.js';
import { isIdentifierChar } from '../reserved.js';
import { escapeOnig, literalAlternation } from './literal-trie.js';

/**
 * How the Hugging Face export reproduces capplan's rule for identifier-like reserved atoms (`struct`
 * is an atom in `a struct` but not in `destructor`, `struct_size` or `2struct`).
 *
 * `tokenizers` finds added tokens by plain leftmost-longest string search; its only boundary option,
 * `single_word`, needs non-word characters on both sides (wrong for ` struct` after a word or `List(`
 * before one) and, when it rejects a match, skips the whole span instead of trying a shorter atom at
 * the same place (`File.readme` loses `File`). So the atoms are added as *normalized* tokens and the
 * normalizer writes capplan's decisions into the text: a MARK before every place where an atom with a
 * start boundary validly begins, then a MARK after every atom that capplan's leftmost-longest scan takes.
 * An added token's pattern is its own text normalized the same way (`Text` → MARK`Text`MARK), so it
 * matches exactly the atoms capplan takes. Marks stand only inside, before or after those atoms, so the
 * text between atoms reaches the split pattern and BPE unchanged. The marks are Unicode noncharacters (reserved for internal use, absent from the
 * corpus): a text that contains them is the one input the export may encode differently.
 */
export const MARK = '\uFDD0';

/**
 * Appended to an atom whose text is also a BPE token's vocabulary string (`Text`, `const`): an added
 * token whose content is already in the model's vocabulary takes that token's id, so the content must
 * differ. The first normalizer step deletes TAG, so the pattern is unchanged; the decoder deletes it too.
 */
export const TAG = '\uFDD1';

/** capplan's identifier characters (reserved.ts): letters, digits, underscore. */
const IDENTIFIER_CHARS = '\\p{L}\\p{N}_';
const NOT_AFTER_IDENTIFIER = `(?<![${IDENTIFIER_CHARS}])`;
const NOT_BEFORE_IDENTIFIER = `(?![${IDENTIFIER_CHARS}])`;

type Atom = TokenizerFile['reserved_atoms'][number];

function replace(pattern: string, content: string): object {
  return { type: 'Replace', pattern: { Regex: pattern }, content };
}

/**
 * Start marks, one rule per first character: each rule rewrites that character into MARK + itself.
 * (A zero-width insertion would be one rule, but `tokenizers` then aligns the inserted character to an
 * empty span, and at the start of a text that makes its ByteLevel step index out of bounds and abort.)
 */
function startMarkRules(atoms: readonly Atom[]): object[] {
  const byFirst = new Map<string, Array<{ text: string; end: string }>>();
  for (const a of atoms.filter((x) => x.boundary_start)) {
    const [first, ...rest] = Array.from(a.text);
    const group = byFirst.get(first!) ?? [];
    group.push({ text: rest.join(''), end: a.boundary_end ? NOT_BEFORE_IDENTIFIER : '' });
    byFirst.set(first!, group);
  }
  return [...byFirst].map(([first, rests]) =>
    replace(`${NOT_AFTER_IDENTIFIER}${escapeOnig(first)}(?=${literalAlternation(rests)})`, MARK + first),
  );
}

/** Whether `atom` starts at code point `i` of `chars` and its boundaries hold there. */
function validAt(chars: readonly string[], i: number, atom: Atom): boolean {
  const text = Array.from(atom.text);
  if (text.some((ch, k) => chars[i + k] !== ch)) return false;
  const identifierAt = (k: number): boolean => k >= 0 && k < chars.length && isIdentifierChar(chars[k]!);
  return !(atom.boundary_start && identifierAt(i - 1)) && !(atom.boundary_end && identifierAt(i + text.length));
}

/** A text as the start rules leave it, for atom texts standing alone (what the end rule must match). */
function withStartMarks(text: string, atoms: readonly Atom[]): string {
  const chars = Array.from(text);
  const starting = atoms.filter((a) => a.boundary_start);
  return chars.map((ch, i) => (starting.some((a) => validAt(chars, i, a)) ? MARK + ch : ch)).join('');
}

/**
 * End marks: one leftmost-longest scan over every atom (in its start-marked form, with its end
 * boundary) that puts MARK after each atom it takes and resumes there, exactly like capplan's matcher;
 * `\K` makes each match the empty place after the atom. So marks follow the atoms capplan takes and
 * nothing else: an atom that capplan's scan passes over (`File.read` in ` File.read`, where ` File`
 * starts one character earlier) gets none, which would otherwise be left in the text after ` File`.
 */
function endMarkRule(atoms: readonly Atom[]): object {
  const literals = atoms.map((a) => ({ text: withStartMarks(a.text, atoms), end: a.boundary_end ? NOT_BEFORE_IDENTIFIER : '' }));
  return replace(`${literalAlternation(literals)}\\K`, MARK);
}

/** The export's normalizer: delete TAG, then mark atom boundaries. */
export function atomBoundaryNormalizer(atoms: readonly Atom[]): object {
  return {
    type: 'Sequence',
    normalizers: [{ type: 'Replace', pattern: { String: TAG }, content: '' }, ...startMarkRules(atoms), endMarkRule(atoms)],
  };
}
