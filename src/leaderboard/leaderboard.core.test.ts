import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_NAME,
  type LeaderRow,
  periodStart,
  publicLeaders,
  rankLeaders,
  shortName,
} from './leaderboard.core.js';

const row = (id: string, closed: number, reachedAt: string, optedIn = true): LeaderRow => ({
  participantId: id,
  name: `${id} Person`,
  optedIn,
  closedReferrals: closed,
  reachedAt: new Date(reachedAt),
  rewardsEarned: [],
});

describe('the leaderboard', () => {
  it('ranks by closed referrals; a tie goes to whoever got there first', () => {
    const ranked = rankLeaders(
      [
        row('late', 3, '2026-03-05'),
        row('top', 5, '2026-03-09'),
        row('early', 3, '2026-03-01'),
        row('none', 0, '2026-03-01'),
      ],
      10,
    );
    expect(ranked.map((r) => [r.rank, r.participantId])).toEqual([
      [1, 'top'],
      [2, 'early'],
      [3, 'late'],
    ]);
    expect(rankLeaders([row('a', 2, '2026-01-01'), row('b', 1, '2026-01-01')], 1)).toHaveLength(1);
  });

  it('starts each period on its calendar boundary (UTC)', () => {
    const now = new Date('2026-08-17T10:00:00Z');
    expect(periodStart('month', now)).toEqual(new Date('2026-08-01T00:00:00Z'));
    expect(periodStart('quarter', now)).toEqual(new Date('2026-07-01T00:00:00Z'));
    expect(periodStart('year', now)).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(periodStart('all', now)).toBeNull();
  });

  it.each([
    ['Jessica Alvarez', 'Jessica A.'],
    ['Mary Jane van der Berg', 'Mary B.'],
    ['Cher', 'Cher'],
    ['  ana   lópez ', 'ana L.'],
    ['Zoë Østergaard', 'Zoë Ø.'],
    ['Alvarez, Jessica', 'Jessica A.'],
    ['van der Berg, Mary Jane', 'Mary B.'],
    ['Alvarez, Jessica, PhD', 'Jessica A.'],
    ['Jessica Alvarez Jr.', 'Jessica A.'],
    ['Dr. Jessica Maria Alvarez-Smith', 'Jessica A.'],
    ['Mr. Smith', ANONYMOUS_NAME],
    ['jessica.alvarez@gmail.com', ANONYMOUS_NAME],
    ['jessica.alvarez', ANONYMOUS_NAME],
    ['Alvarez Jessica (555) 123-4567', ANONYMOUS_NAME],
    ['Jessica ٥٥٥', ANONYMOUS_NAME],
    ['Jessica;Alvarez', 'Jessica'],
    ['', ANONYMOUS_NAME],
  ])('shortens %s to %s', (name, short) => {
    expect(shortName(name)).toBe(short);
  });

  /**
   * What "never a surname" means, for any string: the input's words are what whitespace and
   * commas separate; a word counts when it has two or more letters besides trailing dots (a
   * one-letter word is an initial already). The output is "Referrer", or a given name alone, or
   * a given name and one capital letter with a dot; of the input's words, it shows at most one,
   * the given name (its first token), and never an @ or a digit of any script.
   */
  const words = (text: string) =>
    text
      .split(/[\s,]+/)
      .map((word) => word.toLowerCase().replace(/\.+$/, ''))
      .filter((word) => [...word].length > 1);
  const anyName = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc
      .array(fc.oneof(fc.stringMatching(/^[A-Za-zÀ-ÿ'.-]{1,9}$/), fc.constantFrom(',', ', ', 'Dr.', 'Jr.', '@', '5')), {
        maxLength: 6,
      })
      .map((parts) => parts.join(' ')),
  );

  it('shows no @, no digit and no word of the name but the given name, for any string', () => {
    fc.assert(
      fc.property(anyName, (name) => {
        const short = shortName(name);
        expect(short).not.toMatch(/[@\d\p{N}]/u);
        if (short === ANONYMOUS_NAME) return;
        const [given = '', initial, ...rest] = short.split(' ');
        expect(rest).toEqual([]);
        expect(given).toMatch(/^\p{L}/u);
        expect(name).toContain(given);
        if (initial !== undefined) expect(initial).toMatch(/^\p{L}\.$/u);
        const inputWords = new Set(words(name));
        const shown = words(short).filter((word) => inputWords.has(word));
        expect(shown.length).toBeLessThanOrEqual(1);
        if (shown[0] !== undefined) expect(shown[0]).toBe(given.toLowerCase().replace(/\.+$/, ''));
      }),
      { numRuns: 2000 },
    );
  });

  const notANameWord = 'dr mr mrs ms mx miss prof rev sir dame jr sr ii iii iv phd md esq cpa dds'.split(' ');
  const nameWord = fc.stringMatching(/^[A-Z][a-z]{1,9}$/).filter((word) => !notANameWord.includes(word.toLowerCase()));

  it('shows the given name and only the surname’s initial, however the name is written', () => {
    fc.assert(
      fc.property(
        nameWord,
        fc.array(nameWord, { minLength: 1, maxLength: 3 }),
        fc.constantFrom('first last', 'last, first', 'title first last', 'first last, suffix', 'email'),
        (given, surnames, form) => {
          fc.pre(surnames.every((word) => word !== given));
          const last = surnames.join(' ');
          const name = {
            'first last': `${given} ${last}`,
            'last, first': `${last}, ${given}`,
            'title first last': `Dr. ${given} ${last}`,
            'first last, suffix': `${given} ${last}, Jr.`,
            email: `${given.toLowerCase()}.${surnames[0]?.toLowerCase()}@gmail.com`,
          }[form];
          const short = shortName(name);
          if (form === 'email') {
            expect(short).toBe(ANONYMOUS_NAME);
            return;
          }
          expect(short).toBe(`${given} ${surnames.at(-1)?.[0]}.`);
          for (const surname of surnames) expect(short.split(' ')).not.toContain(surname);
        },
      ),
    );
  });

  it('shows the public only those who opted in, with a short name and a count', () => {
    const board = publicLeaders([row('in', 2, '2026-01-01'), row('out', 9, '2026-01-01', false)], 10);
    expect(board).toEqual([{ rank: 1, name: 'in P.', closedReferrals: 2 }]);
    expect(Object.keys(board[0] ?? {})).toEqual(['rank', 'name', 'closedReferrals']);
  });
});
