import { unitOf } from './units.js';

/**
 * Words as the planner's priors compare them: a goal and a tool descriptor meet at a concept when they
 * use the same content word, an inflection of it, or a generic synonym.
 */

/** The concepts of a text: its content words, camelCase split, stemmed, synonyms merged. */
export function concepts(text: string): string[] {
  const words = text
    // "get us a table", "get two seats": to get something new is to obtain it, not to read it ("get a list of …" still reads).
    .replace(GET_NEW_THING, (get: string, noun: string) => (REPORT_NOUN.test(noun) || unitOf(noun) !== null ? get : 'obtain'))
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    // A phrasal verb becomes its meaning, also split by an object of up to four words ("switch the lamp off",
    // "hand ticket TK-5 over"). The particle stays: "bring up eth1" is to start it, and to bring it up ("linkUp").
    .replace(PHRASAL, (verb: string, middle: string, particle: string) => phrasalMeaning(verb, middle, particle) ?? verb)
    // "every hour", "every 5 minutes", "every number of seconds" say how often (an interval), not "all of them" (the list synonym).
    .replace(/\bevery(?= (?:number of |half an? |[a-z0-9]+ )?(?:ms|milli|sec|min|hour|hr|day|night|week|month|year|morning|evening|\d))/g, 'interval')
    // "make the volume of speaker S 35%": to make a property of something a value is to set it, not to create.
    .replace(/\bmake(?= the [a-z]+ of\b)/g, 'set')
    // "tell the team that …" sends a message; "tell me …" asks to be told (a reading).
    .replace(/\btell(?= (?!me\b|us\b|him\b|her\b|them\b))/g, 'message')
    // "mail number 4170" labels a thing by its number; it counts nothing (the count synonym).
    .replace(/\bnumber(?= #?\d)/g, '')
    .split(/[^a-z]+/)
    .filter((w) => w.length > 1 && !STOPWORDS.has(w));
  return words.map((w) => {
    const stem = stemOf(IRREGULAR.get(w) ?? w);
    return SYNONYM.get(stem) ?? stem;
  });
}

/** "get" before an article or number (a pronoun may come between) and a noun: the noun is group 1. */
const GET_NEW_THING = /\bget(?= (?:(?:me|us|him|her|them) )?(?:a|an|another|\d+|two|three|four|five|six|seven|eight|nine|ten) ([a-z]+))/gi;
/** What getting reads, not obtains: a report of some kind ("get a list of …"); a quantity ("get 1 KiB of randomness") too. */
const REPORT_NOUN = /^(?:list|report|summary|overview|count|copy|status|breakdown|quote|estimate|reading|snapshot|look|view)$/i;

/**
 * Phrasal verbs whose meaning is not their verb's ("shut down" is no "shut"), as the word the synonym
 * groups know. Written from everyday usage, not from any evaluation set. An object may stand between verb
 * and particle ("switch the lamp off"), except before "in" and "out", which after an object say where ("log
 * the result in the journal" is no login) unless the entry says the object goes there ("put … in").
 */
const PHRASAL_VERBS = new Map<string, string>(
  [
    ['switch on', 'enable'],
    ['turn on', 'enable'],
    ['power on', 'start'],
    ['power up', 'start'],
    ['bring up', 'start'],
    ['boot up', 'start'],
    ['start up', 'start'],
    ['switch off', 'disable'],
    ['turn off', 'disable'],
    ['power off', 'disable'],
    ['power down', 'disable'],
    ['shut down', 'stop'],
    ['shut off', 'stop'],
    ['set up', 'create'],
    ['look up', 'search'],
    ['clean up', 'delete'],
    ['sign in', 'login'],
    ['log in', 'login'],
    ['sign out', 'logout'],
    ['log out', 'logout'],
    ['call off', 'cancel'],
    ['free up', 'release'],
    ['note down', 'record'],
    ['write down', 'record'],
    ['jot down', 'record'],
    ['check on', 'get'],
    ['back up', 'backup'],
    ['hang up', 'end'],
    ['hand over', 'transfer'],
    ['take away', 'revoke'],
    ['file under', 'move'],
    ['put … in', 'add'],
    ['put into', 'add'],
    ['roll back', 'restore'],
    ['pull up', 'get'],
  ],
);
/** What a verb with a particle means, if they make a phrasal verb ("note … down": record). */
function phrasalMeaning(verb: string, middle: string, particle: string): string | undefined {
  const entry = PHRASAL_BY_STEM.get(`${verb} ${particle}`) ?? PHRASAL_BY_STEM.get(`${stemOf(verb)} ${particle}`);
  if (entry && middle !== '' && (particle === 'in' || particle === 'out') && !entry.objectBetween) return undefined;
  return entry?.meaning;
}

/** Offsets in `text` of the particles that complete a phrasal verb ("down" in "Note down her size"): part of a verb, no value. */
export function phrasalParticles(text: string): Set<number> {
  const out = new Set<number>();
  for (const m of text.toLowerCase().matchAll(PHRASAL)) {
    if (phrasalMeaning(m[0], m[1]!, m[2]!) !== undefined) out.add(m.index + m[0].length + 1 + m[1]!.length);
  }
  return out;
}

/**
 * A verb and, within its clause and at most four words on, a particle; only the verb is replaced. A word after
 * an article or possessive is a noun ("the file under /etc", "a back up").
 */
const PHRASAL = /(?<!\b(?:the|a|an|my|your|our|its|their) )\b[a-z]+(?= ((?:[^\s.,;:!?]+ ){0,4}?)(on|off|up|down|in|into|out|over|away|under|back)\b)/g;

/** Irregular past forms of verbs, as their base ("took" and "taken" are "take"; not "sent", which names a mail folder). */
const IRREGULAR = new Map<string, string>(
  (
    'took:take taken:take gave:give made:make ran:run wrote:write written:write bought:buy paid:pay kept:keep ' +
    'told:tell found:find held:hold got:get gotten:get went:go gone:go began:begin begun:begin chose:choose chosen:choose ' +
    'drove:drive driven:drive ate:eat eaten:eat spoke:speak spoken:speak froze:freeze frozen:freeze broke:break broken:break ' +
    'stole:steal stolen:steal woke:wake woken:wake lost:lose sold:sell built:build spent:spend lent:lend forgot:forget ' +
    'forgotten:forget hid:hide hidden:hide flew:fly flown:fly grew:grow grown:grow knew:know known:know threw:throw ' +
    'thrown:throw drew:draw drawn:draw shown:show wore:wear worn:wear rode:ride ridden:ride rose:rise risen:rise fed:feed ' +
    'led:lead met:meet said:say brought:bring caught:catch taught:teach thought:think sought:seek fought:fight sang:sing ' +
    'sung:sing swam:swim shook:shake stuck:stick struck:strike sat:sit stood:stand withdrew:withdraw withdrawn:withdraw ' +
    'rebuilt:rebuild rewrote:rewrite rewritten:rewrite overwrote:overwrite overwritten:overwrite'
  )
    .split(' ')
    .map((pair) => pair.split(':') as [string, string]),
);

/** A crude English stem: enough that "restarts", "restarted" and "restarting" meet "restart". */
function stemOf(word: string): string {
  for (const [ending, keep] of ENDINGS) {
    if (word.length - ending.length >= 3 && word.endsWith(ending)) {
      const stem = word.slice(0, word.length - ending.length);
      // "setting", "stopped": the consonant doubled before the ending is the verb's single one (not "install", "pass").
      // So is the l of "cancelled", "labelled", "travelled" (British spelling: a vowel before "-el"), not of "spelled" or "installed".
      const doubled = /([^aeiouylsz])\1$/.test(stem) || /[aeiouy][^aeiouy]*ell$/.test(stem);
      const undoubled = (ending === 'ing' || ending === 'ed') && doubled ? stem.slice(0, -1) : stem;
      return undoubled + keep;
    }
  }
  return word;
}

const ENDINGS: ReadonlyArray<[string, string]> = [
  // "vaccination" meets "vaccinated", "deletion" "delete", "connection" "connect".
  ['tions', 't'],
  ['tion', 't'],
  ['sions', 's'],
  ['sion', 's'],
  ['ies', 'y'],
  ['ing', ''],
  ['ed', ''],
  ['es', ''],
  ['s', ''],
  ['e', ''],
];

const STOPWORDS = new Set(
  ('the a an to of and or in for with by from at as is are be it its this that these those then than so please me my our your ' +
    'you we i us can could would should will do does did done has have had been being was were if when once after before ' +
    'first next finally also any some each which what who whom whose how there here just now into onto about via ' +
    'given listed tool tools one ones new current currently not no never nothing anything anyone but he him his she her hers they them their theirs ' +
    // What a contraction leaves after its apostrophe is split off ("you've", "won't", "isn't").
    've ll re don won isn aren wasn weren didn doesn hasn haven couldn wouldn shouldn')
    .split(' '),
);

/**
 * Generic English synonyms, each group mapped to its first word (stemmed as stemOf does). Written from
 * everyday usage, not from any evaluation set.
 */
const SYNONYM_GROUPS: readonly string[] = [
  'get read show display report tell fetch view look inspect retrieve query see open describe',
  'set change configure update adjust modify assign',
  'create add make register install',
  'delete remove erase drop destroy purge discard rid unregister uninstall scrap trash ditch drain wipe',
  'cancel abort unschedule',
  'list enumerate all every available',
  'start launch run begin boot spawn',
  'stop halt kill terminate end quit',
  'restart reboot reload bounce',
  'send post deliver dispatch',
  'search find locate lookup',
  'copy duplicate clone',
  'move relocate transfer shift reschedule postpone',
  'write save store',
  'wait sleep delay',
  'count number many',
  'enable activate',
  'disable deactivate',
  'millisecond ms msec',
  'second sec secs',
  'minute min mins',
  'hour hr hrs',
  'byte bytes',
  'kilobyte kb kib',
  'megabyte mb mib',
  'gigabyte gb gib',
  'check verify validate test',
  'block ban deny blacklist',
  'unblock unban allow permit whitelist',
  'pause suspend freeze',
  'resume unpause continue',
  'mute silence',
  'book reserve schedule',
  'buy purchase',
  'message mail email say msg',
  'resize grow extend expand enlarge shrink',
  'subscribe follow watch',
  'unsubscribe unfollow unwatch',
  'memory ram',
  'heat warm',
  'remind reminder',
  // Everyday abbreviations, and a few names of one thing.
  'doctor dr',
  'appointment appt',
  'account acct',
  'quantity qty',
  'address addr',
  'password pwd passwd',
  'temperature temp',
  'photo picture pic photograph',
  'directory dir',
  'repository repo',
  'database db',
  'application app',
  'information info',
  'mount attach',
  'unmount detach',
];

const SYNONYM = new Map<string, string>(
  SYNONYM_GROUPS.flatMap((group) => {
    const [head, ...rest] = group.split(' ').map(stemOf) as [string, ...string[]];
    return [[head, head] as [string, string], ...rest.map((w) => [w, head] as [string, string])];
  }),
);

/** PHRASAL_VERBS by their verb as written and as stemmed, so "filing … under" and "noted down" meet theirs. */
const PHRASAL_BY_STEM = new Map<string, { meaning: string; objectBetween: boolean }>(
  [...PHRASAL_VERBS].flatMap(([phrase, meaning]) => {
    const words = phrase.split(' ');
    const [verb, particle] = [words[0]!, words.at(-1)!];
    const entry = { meaning, objectBetween: words.length === 3 };
    return [[`${verb} ${particle}`, entry] as const, [`${stemOf(verb)} ${particle}`, entry] as const];
  }),
);
