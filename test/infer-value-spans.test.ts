import { describe, expect, it } from 'vitest';
import type { ToolDescriptor } from '../src/data/descriptor.js';
import { renderPrompt } from '../src/infer/chat-template.js';
import type { Decoder } from '../src/infer/decoder.js';
import { generate } from '../src/infer/generate.js';
import { GoalCopyBias } from '../src/infer/goal-copy.js';
import { GoalReading } from '../src/infer/goal-reading.js';
import { GoalSpans } from '../src/infer/goal-spans.js';
import { plannerConstraint, slotIds } from '../src/infer/plan-turn.js';
import { GREEDY, TokenPicker } from '../src/infer/sampling.js';
import { ToolMatchBias } from '../src/infer/tool-match.js';
import { convert, paramUnit, unitOf } from '../src/infer/units.js';
import { shapeOf, shapesAskedBy } from '../src/infer/value-shapes.js';
import { ValueSpans } from '../src/infer/value-spans.js';
import { usePlannerVocab } from './helpers/planner-vocab.js';

const tool = (name: string, description: string, params: Record<string, string> = {}): ToolDescriptor => ({
  name,
  description,
  params: Object.fromEntries(Object.entries(params).map(([k, type]) => [k, { type }])) as ToolDescriptor['params'],
});

/** Invented tools outside the OS domain: nothing the planner was trained on. */
const GREENHOUSE = [
  tool('Greenhouse.water', 'Waters a zone for a number of seconds.', { zone: 'Text', durationSeconds: 'UInt32' }),
  tool('Greenhouse.setHumidity', 'Sets the target humidity of a zone in percent.', { zone: 'Text', percent: 'UInt8' }),
  tool('Greenhouse.listZones', 'Lists the zones.'),
  tool('Greenhouse.readHumidity', 'Reads the humidity of a zone.', { zone: 'Text' }),
];
const MIRROR = [tool('Mirror.sync', 'Copies a directory to a host.', { path: 'Text', host: 'Text' })];
const KITCHEN = [
  tool('Bowl.mix', 'Mixes the ingredients.', { ingredients: 'List(Text)' }),
  tool('Oven.bake', 'Bakes for a number of minutes at a temperature in degrees celsius.', { minutes: 'UInt16', celsius: 'UInt16' }),
  tool('Shell.run', 'Runs a command with arguments.', { command: 'Text', args: 'List(Text)' }),
];
const LIBRARY = [
  tool('Library.findMember', 'Finds a member of the library.', { memberName: 'Text' }),
  tool('Library.listLoans', 'Lists the books a member has on loan.', { member: 'Text' }),
  tool('Turntable.rotate', 'Rotates the turntable by a number of degrees.', { degrees: 'Int16' }),
  tool('Locker.assign', 'Gives a locker to a new holder.', { owner: 'Text', code: 'Text' }),
  tool('Batch.start', 'Starts a batch of pottery with a recipe.', { name: 'Text', recipe: 'Text' }),
  tool('Chat.post', 'Posts a text to a chat channel.', { channel: 'Text', text: 'Text' }),
  tool('Fees.pay', 'Pays a library fee.', { member: 'Text', amount: 'Float64' }),
  tool('Exchange.convert', 'Converts an amount between currencies.', { amount: 'Float64', from: 'Text', to: 'Text' }),
  tool('Room.reserve', 'Reserves a reading room.', { name: 'Text', time: 'Text' }),
];
const CLUB = [
  tool('Club.enrol', 'Enrols a member in a class.', { memberName: 'Text', className: 'Text' }),
  tool('Ride.log', 'Logs a bicycle ride.', { distanceKm: 'Float64', durationMinutes: 'UInt16' }),
  tool('Bank.move', 'Moves money between two accounts.', { fromAccount: 'Text', toAccount: 'Text', amount: 'Float64' }),
  tool('Radar.sweep', 'Sweeps a radius for boats.', { radiusMeters: 'UInt32' }),
  tool('Radio.tune', 'Tunes a show on a station.', { show: 'Text', station: 'Text' }),
  tool('Archive.search', 'Searches the archive.', { query: 'Text' }),
];
/** Errands far from the OS domain: money, weights, addresses, reference codes. */
const ERRANDS = [
  tool('Card.topUp', 'Adds credit to a laundry card.', { cardId: 'Text', amountCents: 'UInt32' }),
  tool('Washer.start', 'Starts a washing machine program.', { program: 'Text', temperatureCelsius: 'UInt8' }),
  tool('Parcel.ship', 'Ships a parcel of a given weight.', { weightGrams: 'UInt32' }),
  tool('Ride.fare', 'Estimates the fare of a ride.', { pickupAddress: 'Text', dropoffAddress: 'Text' }),
  tool('Ride.rate', 'Rates the driver of a ride.', { rideId: 'Text', stars: 'UInt8' }),
  tool('Tailor.fit', 'Books a fitting for a customer on a date.', { customerName: 'Text', date: 'Text' }),
  tool('Kennel.addDog', 'Registers a dog by name and breed.', { dogName: 'Text', breed: 'Text' }),
  tool('Files.rename', 'Renames a file.', { from: 'Text', to: 'Text' }),
  tool('Hike.log', 'Logs a hike of a number of minutes.', { durationMinutes: 'UInt16' }),
  tool('Desk.find', 'Finds free desks on a floor.', { floor: 'UInt8' }),
  tool('Locker.assign', 'Assigns a locker of a size to a member.', { memberId: 'Text', size: 'Text' }),
];
const GARDEN = [
  tool('Lamp.switch', 'Switches a garden lamp.', { lamp: 'Text', on: 'Bool' }),
  tool('Pump.stop', 'Stops a pump.', { pump: 'Text', force: 'Bool' }),
  tool('Sprinkler.schedule', 'Runs a sprinkler zone at an interval.', { zone: 'Text', intervalMinutes: 'UInt32' }),
];

describe('argument values as goal spans', () => {
  const vocab = usePlannerVocab();

  /**
   * A model that knows nothing: every allowed token equally likely, except that it would rather plan than
   * refuse. What it writes is what the decoder's priors read from the goal and the tool list.
   */
  function blankModel(leaning: readonly string[] = [], nats = 2): Decoder {
    const plan = vocab.tok.encode('{')[0]!;
    const leaned = leaning.map((text) => vocab.tok.encode(text)[0]!);
    let used = 0;
    return {
      get length() {
        return used;
      },
      capacity: 2048,
      feed: async (tokens) => {
        used += tokens.length;
        const row = new Float32Array(vocab.tok.vocabSize);
        row[plan] = 1;
        // A model leaning a little (2 nats unless told) toward the first token of each text in `leaning`.
        for (const id of leaned) row[id] = nats;
        return row;
      },
      dispose: () => {},
    };
  }

  async function plan(tools: ToolDescriptor[], goal: string, leaning: readonly string[] = [], nats = 2): Promise<unknown> {
    return (await planWithSpans(tools, goal, leaning, nats)).steps;
  }

  /** The plan's steps as [tool, args], and the value spans that wrote them. */
  async function planWithSpans(tools: ToolDescriptor[], goal: string, leaning: readonly string[] = [], nats = 2): Promise<{ steps: unknown; spans: ValueSpans }> {
    const reading = new GoalReading(goal, tools);
    const encode = (text: string) => vocab.tok.encode(text);
    const spans = new ValueSpans(goal, tools, reading, encode);
    const g = await generate(blankModel(leaning, nats), renderPrompt(vocab.tok, tools, goal), plannerConstraint(vocab.tok, vocab.trie, tools), {
      maxTokens: 1500,
      vocabLimit: vocab.tok.vocabSize,
      picker: new TokenPicker(GREEDY),
      constrain: true,
      copyBias: new GoalCopyBias(goal, vocab.trie, encode, 16),
      toolBias: new ToolMatchBias(reading, 2, slotIds(vocab.tok)),
      valueSpans: spans,
      encode,
      spell: (id) => vocab.tok.decodeBytes([id]),
    });
    expect(g.ended).toBe(true);
    return { steps: (JSON.parse(g.text) as { steps: { tool: string; args: unknown }[] }).steps.map((s) => [s.tool, s.args]), spans };
  }

  it('places each value from the clause that asks for its step, converting units to the param\'s', async () => {
    expect(await plan(GREENHOUSE, "Water the 'tomato-3' zone for 2 minutes, but first set the humidity of zone herbs-2 to 60 percent.")).toEqual([
      ['Greenhouse.setHumidity', { zone: 'herbs-2', percent: 60 }],
      ['Greenhouse.water', { zone: 'tomato-3', durationSeconds: 120 }],
    ]);
  });

  it('writes a list as the goal enumerates it, a quoted phrase whole, and an empty list where the goal says none', async () => {
    expect(await plan(KITCHEN, "Mix flour, sugar and 'baking soda', then bake for 1 hour at 180 celsius.")).toEqual([
      ['Bowl.mix', { ingredients: ['flour', 'sugar', 'baking soda'] }],
      ['Oven.bake', { minutes: 60, celsius: 180 }],
    ]);
    expect(await plan(KITCHEN, 'Run uptime with no arguments.')).toEqual([['Shell.run', { command: 'uptime', args: [] }]]);
  });

  it('reads flags from the goal: a word naming the param, "no"/"without" before it, on/off for a switch, off when unmentioned', async () => {
    // Against a model leaning toward `true` (and, for the lamp, toward `false`).
    expect(await plan(GARDEN, "Turn lamp 'desk-2' on, then stop pump p-4 without forcing it.", ['true'])).toEqual([
      ['Lamp.switch', { lamp: 'desk-2', on: true }],
      ['Pump.stop', { pump: 'p-4', force: false }],
    ]);
    expect(await plan(GARDEN, "Turn lamp 'desk-2' on.", ['false'])).toEqual([['Lamp.switch', { lamp: 'desk-2', on: true }]]);
    expect(await plan(GARDEN, 'Stop pump p-4 with force.', ['false'])).toEqual([['Pump.stop', { pump: 'p-4', force: true }]]);
    expect(await plan(GARDEN, 'Stop pump p-4.', ['true'])).toEqual([['Pump.stop', { pump: 'p-4', force: false }]]);
  });

  it('reads "half an hour" and "every hour" as numbers with a unit', async () => {
    // The "an" of "half an hour" is no number of its own.
    expect(new GoalSpans('Water it every half an hour.').spans.filter((s) => s.numeric).map((s) => s.text)).toEqual(['0.5']);
    // The unit of a quantity is part of its number, no value of its own; the same word elsewhere is one.
    const often = new GoalSpans('Water it every three hours.').spans.map((s) => s.text);
    expect(often).toContain('3');
    expect(often).not.toContain('hours');
    expect(new GoalSpans('Label the tray hours.').spans.map((s) => s.text)).toContain('hours');
    expect(await plan(GARDEN, 'Run the sprinkler on zone lawn-1 every half an hour.')).toEqual([['Sprinkler.schedule', { zone: 'lawn-1', intervalMinutes: 30 }]]);
    expect(await plan(GARDEN, 'Run the sprinkler on zone lawn-1 every hour.')).toEqual([['Sprinkler.schedule', { zone: 'lawn-1', intervalMinutes: 60 }]]);
  });

  it('reads a name of several capitalised words as one value, without the sentence\'s first word', async () => {
    const spans = new GoalSpans('Enrol Ada Lovelace in Pottery 2 on Friday. Then Tea Time.').spans.map((s) => s.text);
    expect(spans).toEqual(expect.arrayContaining(['Ada Lovelace', 'Pottery 2']));
    expect(spans).not.toContain('Enrol Ada Lovelace');
    expect(spans).not.toContain('Then Tea Time');
    // Its words are no values of their own; a number in it may be.
    expect(spans).not.toContain('Lovelace');
    expect(spans).toContain('2');
    // A title's dot ends no sentence: "Dr. Okafor" is one name.
    expect(new GoalSpans('Book me in with Dr. Okafor on Friday.').spans.map((s) => s.text)).toContain('Dr. Okafor');
    expect(await plan(CLUB, 'Enrol Ada Lovelace in the class Pottery 2.')).toEqual([['Club.enrol', { memberName: 'Ada Lovelace', className: 'Pottery 2' }]]);
    // No param takes a part of a value already written, even against a model leaning to it.
    expect(await plan(CLUB, 'Tune Sunday Morning on north.', ['Morning'], 6)).toEqual([['Radio.tune', { show: 'Sunday Morning', station: 'north' }]]);
  });

  it('chooses a step\'s values together: a span a later param needs is not taken by an earlier one', async () => {
    const jobs = [tool('Job.add', 'Runs a command every number of minutes under a name.', { name: 'Text', command: 'Text', minutes: 'UInt32' })];
    // The model leans 6 nats toward writing the quoted command as the name.
    expect(await plan(jobs, "Add 'tar czf /backup' as job nightly every 30 minutes.", ['tar'], 6)).toEqual([
      ['Job.add', { name: 'nightly', command: 'tar czf /backup', minutes: 30 }],
    ]);
  });

  it('keeps a list\'s later items with the param named next to its first item, across a clause\'s end', async () => {
    const shoes = [tool('Shoe.rent', 'Rents shoes in some sizes for a booking.', { bookingId: 'Text', sizes: 'List(Text)' })];
    expect(await plan(shoes, 'Rent shoes for booking BK-12 in sizes 38, 42 and 44.')).toEqual([['Shoe.rent', { bookingId: 'BK-12', sizes: ['38', '42', '44'] }]]);
  });

  it('takes no particle of a phrasal verb as a value ("down" of "note down")', () => {
    expect(new GoalSpans('Note down the size, look the account up, then set the mode to off.').spans.map((s) => s.text)).toEqual(['Note', 'size', 'look', 'account', 'set', 'mode', 'off']);
  });

  it('takes no quantifier as a value ("every one hour")', () => {
    expect(new GoalSpans("Run 'sync' every one hour, each day, per host.").spans.filter((s) => !s.numeric).map((s) => s.text)).toEqual(['sync', 'Run', 'host']);
  });

  it('takes no dash or other sign as a value', () => {
    expect(new GoalSpans('I need a plumber — mark it urgent & soon.').spans.map((s) => s.text)).toEqual(['need', 'plumber', 'mark', 'urgent', 'soon']);
  });

  it('takes no pronoun as a value', () => {
    expect(new GoalSpans('Book him a fitting, then send her and them their reminders.').spans.map((s) => s.text)).toEqual(['Book', 'fitting', 'send', 'reminders']);
  });

  it('reads a number written in several words as one, and "45-minute" as a number with its unit', async () => {
    const numbers = (goal: string) => new GoalSpans(goal).spans.filter((s) => s.numeric).map((s) => [s.text, s.unit]);
    expect(numbers('Set the goal to twelve thousand.')).toEqual([['12000', null]]);
    expect(numbers('Ride for an hour and a half.')).toEqual([['1.5', unitOf('hour')]]);
    expect(numbers('Wait two and a half minutes.')).toEqual([['2.5', unitOf('minutes')]]);
    expect(numbers('Start a 45-minute ride.')).toEqual([['45-minute', unitOf('minute')]]);
    expect(await plan(CLUB, 'Log a ride of 23.5 km in an hour and a half.')).toEqual([['Ride.log', { distanceKm: 23.5, durationMinutes: 90 }]]);
    expect(await plan(CLUB, 'Sweep within half a kilometre.')).toEqual([['Radar.sweep', { radiusMeters: 500 }]]);
  });

  it('gives "it"/"its" the value the same param took in the step before', async () => {
    // "level" is in the asking clause, but "its" points back to the zone the step before watered.
    expect(await plan(GREENHOUSE, 'Water the herbs for 2 minutes and set its humidity level to 60 percent.')).toEqual([
      ['Greenhouse.water', { zone: 'herbs', durationSeconds: 120 }],
      ['Greenhouse.setHumidity', { zone: 'herbs', percent: 60 }],
    ]);
  });

  it('gives "its" the value the param\'s word names in another clause, also one asked for later', async () => {
    // The model leans a little toward the clause's own word "dry".
    expect(await plan(GREENHOUSE, 'Water the basil zone for 2 minutes, but first read how dry its humidity is.', ['dry'], 1)).toEqual([
      ['Greenhouse.readHumidity', { zone: 'basil' }],
      ['Greenhouse.water', { zone: 'basil', durationSeconds: 120 }],
    ]);
  });

  it('carries a value over from the step before only when the step\'s own clause holds none', async () => {
    // The model leans 5 nats toward repeating the first zone.
    expect(await plan(GREENHOUSE, 'Read the humidity of zone herbs-2, then water zone tomato-3 for 2 minutes.', ['herbs'], 5)).toEqual([
      ['Greenhouse.readHumidity', { zone: 'herbs-2' }],
      ['Greenhouse.water', { zone: 'tomato-3', durationSeconds: 120 }],
    ]);
  });

  it('carries no number into a clause that writes its own', async () => {
    const pings = [tool('Net.ping', 'Sends a number of pings to a host.', { host: 'Text', count: 'UInt32' }), tool('Mail.latest', 'Lists the newest letters.', { count: 'UInt32' })];
    // The model leans 6 nats toward repeating the 25 of the step before.
    expect(await plan(pings, 'List the newest 25 letters, then send 9 pings to api.internal.', ['25'], 6)).toEqual([
      ['Mail.latest', { count: 25 }],
      ['Net.ping', { host: 'api.internal', count: 9 }],
    ]);
  });

  it('prefers the step\'s own clause\'s value to one from another clause the model leans toward, and still carries one into a clause without', async () => {
    // The model leans 9 nats toward repeating the first zone, more than the own clause's prior alone outweighs.
    expect(await plan(GREENHOUSE, 'Read the humidity of zone herbs-2, then water zone tomato-3 for 2 minutes.', ['herbs'], 9)).toEqual([
      ['Greenhouse.readHumidity', { zone: 'herbs-2' }],
      ['Greenhouse.water', { zone: 'tomato-3', durationSeconds: 120 }],
    ]);
    expect(await plan(GREENHOUSE, 'Read the humidity of zone herbs-2, then water the zone for 2 minutes.')).toEqual([
      ['Greenhouse.readHumidity', { zone: 'herbs-2' }],
      ['Greenhouse.water', { zone: 'herbs-2', durationSeconds: 120 }],
    ]);
    // "him" points to the name in the other clause, which the model leans toward a little: no clause penalty keeps it away.
    const tailor = [ERRANDS[5]!, tool('Tailor.alter', 'Opens an alteration order for a garment.', { customerName: 'Text', garment: 'Text' })];
    expect(await plan(tailor, "Open an alteration order for Jonas Berg's coat. Before that, book him a fitting on 2026-03-01.", ['Jonas'])).toEqual([
      ['Tailor.fit', { customerName: 'Jonas Berg', date: '2026-03-01' }],
      ['Tailor.alter', { customerName: 'Jonas Berg', garment: 'coat' }],
    ]);
  });

  it('gives a tool\'s only Text param the plain word right after a word of the tool ("the package orvelle")', async () => {
    const packages = [tool('Pkg.drop', 'Deletes one package.', { name: 'Text' })];
    // The model leans 2 nats toward "quickly", as far from the tool's words as "orvelle".
    expect(await plan(packages, 'Erase the package orvelle quickly.', ['quickly'], 2)).toEqual([['Pkg.drop', { name: 'orvelle' }]]);
  });

  it('reads a code written in two parts ("KX19 ZPT", "SW1A 1AA") and a lettered name ("vitamin D") as one value', async () => {
    expect(new GoalSpans('Park KX19 ZPT near SW1A 1AA.').spans.map((s) => s.text)).toEqual(expect.arrayContaining(['KX19 ZPT', 'SW1A 1AA']));
    // A word and a capital letter naming one of a series is a name ("vitamin D"); "I" is no letter of one.
    const meds = tool('Meds.setReminder', 'Sets a daily reminder to take a medication.', { medication: 'Text', time: 'Text' });
    expect(await plan([meds], 'Remind me every day to take vitamin D at 21:00.', ['vitamin'], 4)).toEqual([['Meds.setReminder', { medication: 'vitamin D', time: '21:00' }]]);
    expect(new GoalSpans('Then I said so.').spans.map((s) => s.text)).not.toContain('Then I');
    const garage = tool('Garage.tirePressure', 'Reads the tyre pressures of a vehicle.', { plate: 'Text' });
    expect(await plan([garage], "What's the tyre pressure on KX19 ZPT?")).toEqual([['Garage.tirePressure', { plate: 'KX19 ZPT' }]]);
  });

  it('takes no preposition after a word of the tool as what it acts on, but the word after it ("a build on main")', async () => {
    const forge = tool('Forge.triggerBuild', 'Starts a build of a branch.', { branch: 'Text', clean: 'Bool' });
    // The model leaning toward the preposition.
    expect(await plan([forge], 'Start a fresh build on main.', ['on'], 3)).toEqual([['Forge.triggerBuild', { branch: 'main', clean: false }]]);
  });

  it('reads what is said after "that" as one value ("Tell #general that lunch is ready")', async () => {
    const chat = [tool('Chat.post', 'Posts a message to a channel.', { channel: 'Text', text: 'Text' }), tool('Chat.mute', 'Mutes a channel for a number of minutes.', { channel: 'Text', minutes: 'UInt16' })];
    expect(await plan(chat, 'Tell #general that lunch is ready, then mute it for an hour.', ['lunch'], 4)).toEqual([
      ['Chat.post', { channel: '#general', text: 'lunch is ready' }],
      ['Chat.mute', { channel: '#general', minutes: 60 }],
    ]);
  });

  it('takes a preposition as a value less likely ("up for spin on 2026-02-03")', async () => {
    const gym = tool('Gym.book', 'Books a class for a member.', { memberId: 'Text', className: 'Text', date: 'Text' });
    // The model leaning toward the preposition, as the d2 model does.
    expect(await plan([gym], 'Sign member M-4410 up for spin on 2026-02-03.', ['on'], 3)).toEqual([['Gym.book', { memberId: 'M-4410', className: 'spin', date: '2026-02-03' }]]);
  });

  it('takes no clause\'s first word (its verb) as a value', async () => {
    const locker = ERRANDS[10]!;
    expect(await plan([locker], 'Give member M-22917 a big locker.', ['Give'], 3)).toEqual([['Locker.assign', { memberId: 'M-22917', size: 'big' }]]);
    // Also against a model leaning to it as much as the clause holding both ("Dim the porch lights").
    const lights = tool('Lights.setBrightness', 'Sets the brightness of a lighting zone in percent.', { zone: 'Text', percent: 'UInt8' });
    expect(await plan([lights], 'Dim the porch lights to a quarter.', ['Dim'], 6)).toEqual([['Lights.setBrightness', { zone: 'porch', percent: 25 }]]);
  });

  it('counts a param whose name abbreviates another\'s as the same thing ("member", "memberName")', async () => {
    expect(await plan(LIBRARY, 'Find member ana, then list their loans.')).toEqual([
      ['Library.findMember', { memberName: 'ana' }],
      ['Library.listLoans', { member: 'ana' }],
    ]);
  });

  it('gives the value after "to" in "set the P of X to V" to the param P names', async () => {
    expect(await plan(LIBRARY, 'Set the owner of locker B-12 to K-77.')).toEqual([['Locker.assign', { owner: 'K-77', code: 'B-12' }]]);
  });

  it('gives a name param the value next to its interface\'s noun ("as batch \'tue-3\'", "the \'tue-3\' batch"), not after the verb', async () => {
    expect(await plan(LIBRARY, "Start 'glaze-cone6' as batch 'tue-3'.")).toEqual([['Batch.start', { name: 'tue-3', recipe: 'glaze-cone6' }]]);
    expect(await plan(LIBRARY, "Start 'glaze-cone6' as the 'tue-3' batch.")).toEqual([['Batch.start', { name: 'tue-3', recipe: 'glaze-cone6' }]]);
    // The noun beside the value outweighs "name" two words away, against a model leaning to the other.
    expect(await plan(LIBRARY, "Start the 'tue-3' batch with the recipe name 'slow glaze'.", ['slow'])).toEqual([['Batch.start', { name: 'tue-3', recipe: 'slow glaze' }]]);
  });

  it('gives a param holding what to search for the topic after "about", "for", "matching"', async () => {
    expect(await plan(CLUB, 'Find maps about falconry in the archive.')).toEqual([['Archive.search', { query: 'falconry' }]]);
  });

  it('gives a param naming where something goes or is the span after "to" or "in"', async () => {
    expect(await plan(LIBRARY, 'Post lunch to kitchen.')).toEqual([['Chat.post', { channel: 'kitchen', text: 'lunch' }]]);
    const inbox = [tool('Inbox.latest', 'Lists the newest letters of a folder.', { folder: 'Text', count: 'UInt32' })];
    // The model leans toward "letters" by more than the clause's prior.
    expect(await plan(inbox, 'List the newest 10 letters in sent.', ['letters'], 9)).toEqual([['Inbox.latest', { folder: 'sent', count: 10 }]]);
  });

  it('reads a number after a currency sign and with thousands separators', async () => {
    expect(await plan(LIBRARY, 'Pay $1,250.50 for member ana.')).toEqual([['Fees.pay', { member: 'ana', amount: 1250.5 }]]);
  });

  it('gives a param named by a preposition ("from", "to") the span right after that word', async () => {
    expect(await plan(LIBRARY, 'Convert 40 to NOK from CHF.')).toEqual([['Exchange.convert', { amount: 40, from: 'CHF', to: 'NOK' }]]);
    // A param whose name starts with the preposition ("fromAccount") too.
    expect(await plan(CLUB, 'Move 25 to holiday from savings.')).toEqual([['Bank.move', { fromAccount: 'savings', toAccount: 'holiday', amount: 25 }]]);
  });

  it('keeps a value of a form from a param when another param of the tool asks for that form', async () => {
    expect(await plan(LIBRARY, 'Reserve at 9am the hall Delta-2.')).toEqual([['Room.reserve', { name: 'Delta-2', time: '9am' }]]);
  });

  it('counts the goal\'s values that no argument took (quoted, identifiers, numbers in digits)', async () => {
    const used = await planWithSpans(GREENHOUSE, "Water the 'tomato-3' zone for 2 minutes.");
    expect(used.steps).toEqual([['Greenhouse.water', { zone: 'tomato-3', durationSeconds: 120 }]]);
    expect(used.spans.unusedValues()).toBe(0);
    // Only a tool without params is listed: 'tomato-3' and 2 stay unused.
    const unused = await planWithSpans([GREENHOUSE[2]!], "List the zones where 'tomato-3' grew in 2 minutes.");
    expect(unused.steps).toEqual([['Greenhouse.listZones', {}]]);
    expect(unused.spans.unusedValues()).toBe(2);
    // A value written in part is used: the address of "10.0.0.2/24" leaves neither it nor the prefix unused.
    const link = [tool('Net.addAddress', 'Assigns an address with a prefix length to a link.', { link: 'Text', address: 'Text', prefixLength: 'UInt8' })];
    const split = await planWithSpans(link, 'Give eth1 the address 10.0.0.2/24.');
    expect(split.steps).toEqual([['Net.addAddress', { link: 'eth1', address: '10.0.0.2', prefixLength: 24 }]]);
    expect(split.spans.unusedValues()).toBe(0);
  });

  it('writes an address with its prefix length whole, or apart where the tool takes the length apart', async () => {
    const block = [tool('Net.block', 'Blocks a network.', { network: 'Text' }), tool('Net.route', 'Adds a route to an address.', { address: 'Text', via: 'Text' })];
    expect(await plan([block[0]!], 'Block 10.9.0.0/16.')).toEqual([['Net.block', { network: '10.9.0.0/16' }]]);
    expect(await plan([block[1]!], 'Route 10.9.0.0/16 via 10.0.0.1.')).toEqual([['Net.route', { address: '10.9.0.0/16', via: '10.0.0.1' }]]);
  });

  it('negates a number for a signed param where the goal counts back', async () => {
    expect(await plan(LIBRARY, 'Rotate the turntable back by 30 degrees.')).toEqual([['Turntable.rotate', { degrees: -30 }]]);
    expect(await plan(LIBRARY, 'Rotate the turntable by 30 degrees.')).toEqual([['Turntable.rotate', { degrees: 30 }]]);
  });

  it('keeps an enumeration with the param named before its first item', async () => {
    expect(await plan(KITCHEN, 'Run grep with the arguments -i and needle.')).toEqual([['Shell.run', { command: 'grep', args: ['-i', 'needle'] }]]);
    // "but" ends an enumeration: it is no value.
    expect(new GoalSpans('Mix flour, sugar and salt, but first wash up.').enumerationNext('salt')).toEqual([]);
    const goal = new GoalSpans('Run grep with the arguments -i, -v and needle.');
    expect(goal.enumerationHead(goal.spans.find((s) => s.text === 'needle')!).text).toBe('-i');
  });

  it('gives a param whose name asks for a form (a path, a host) the span of that form', async () => {
    expect(await plan(MIRROR, 'Sync to backup.example.org the directory /srv/www.')).toEqual([['Mirror.sync', { path: '/srv/www', host: 'backup.example.org' }]]);
    expect([shapeOf('/srv/www'), shapeOf('backup.example.org'), shapeOf('10.0.0.5'), shapeOf('https://a.io/x'), shapeOf('ops@a.io'), shapeOf('#ops'), shapeOf('w-7')]).toEqual([
      'path',
      'domain',
      'ip',
      'url',
      'email',
      'channel',
      null,
    ]);
    expect([shapeOf('7pm'), shapeOf('19:30'), shapeOf('2027-01-04'), shapeOf('12/31/2026')]).toEqual(['time', 'time', 'date', 'date']);
    expect([shapeOf('2027-01-04T18:30'), shapesAskedBy('startIso'), shapesAskedBy('dueDate')]).toEqual(['datetime', ['date', 'datetime'], ['date', 'datetime']]);
    expect([shapesAskedBy('sourcePath'), shapesAskedBy('hostName'), shapesAskedBy('channel'), shapesAskedBy('label')]).toEqual([['path'], ['domain', 'ip'], ['channel'], null]);
  });

  it('converts money to a param\'s cents, weights to grams, and gives a quantity to the param of its dimension', async () => {
    const [card, washer, parcel] = ERRANDS;
    expect(await plan([card!, washer!], 'Load 15 euros onto card LC-0042.')).toEqual([['Card.topUp', { cardId: 'LC-0042', amountCents: 1500 }]]);
    expect(await plan([card!], 'Top up card LC-0042 with $3.50.')).toEqual([['Card.topUp', { cardId: 'LC-0042', amountCents: 350 }]]);
    // "15 euros" is no temperature, though the model leans to it.
    expect(await plan([washer!], 'Start the washing machine with program delicates at 30 °C for 15 euros.', ['15'])).toEqual([['Washer.start', { program: 'delicates', temperatureCelsius: 30 }]]);
    expect(await plan([parcel!], 'Ship a 2.4 kg parcel.')).toEqual([['Parcel.ship', { weightGrams: 2400 }]]);
    // Converted for an integer param, a value is rounded (3 lb is 1360.8 g).
    expect(await plan([parcel!], 'Ship a 3 lb parcel.')).toEqual([['Parcel.ship', { weightGrams: 1361 }]]);
    expect([convert(32, unitOf('inches')!, unitOf('cm')!), convert(2, unitOf('lbs')!, unitOf('g')!), convert(1, unitOf('£')!, unitOf('pence')!)]).toEqual([81.28, 907.18474, 100]);
    // Volumes, and a fraction into a percent param.
    const water = tool('Fitness.logWater', 'Logs water intake in millilitres.', { milliliters: 'UInt16' });
    expect(await plan([water], 'Log half a litre of water.')).toEqual([['Fitness.logWater', { milliliters: 500 }]]);
    const lamp = tool('Lamp.dim', 'Dims a lamp.', { lamp: 'Text', percent: 'UInt8' });
    expect(await plan([lamp], 'Dim lamp L-2 to a quarter.')).toEqual([['Lamp.dim', { lamp: 'L-2', percent: 25 }]]);
    // "to" says where for a Text param (`zone`), not which number; a number in words is no Text value.
    const zone = tool('Lights.dim', 'Dims the lights of a zone.', { zone: 'Text', percent: 'UInt8' });
    expect(await plan([zone], 'Dim the hall to a quarter.', ['quarter'], 4)).toEqual([['Lights.dim', { zone: 'hall', percent: 25 }]]);
  });

  it('reads numbers spelled with a dash, ordinals, "450k", "twice", and "two hours and ten minutes"', async () => {
    const [card, , , , , , , , hike, desk] = ERRANDS;
    expect(await plan([card!], 'Put a seventy-five dollar credit on card LC-7.')).toEqual([['Card.topUp', { cardId: 'LC-7', amountCents: 7500 }]]);
    expect(await plan([hike!], 'Log a hike of two hours and ten minutes.')).toEqual([['Hike.log', { durationMinutes: 130 }]]);
    expect(await plan([desk!], 'Find free desks on the third floor.')).toEqual([['Desk.find', { floor: 3 }]]);
    expect(await plan([desk!], 'Find free desks on the 4th floor.')).toEqual([['Desk.find', { floor: 4 }]]);
    const spans = new GoalSpans('A four-room flat at most 450k euros, for another hour and a half.').spans.filter((s) => s.numeric).map((s) => s.text);
    expect(spans).toEqual(expect.arrayContaining(['4', '450k', '1.5']));
    // "twice" and "thrice" count too ("honk twice").
    expect(new GoalSpans('Honk twice, then flash thrice.').spans.filter((s) => s.numeric).map((s) => s.text)).toEqual(['2', '3']);
    // A dozen is twelve.
    expect(new GoalSpans('Order two dozen rolls and a dozen buns.').spans.filter((s) => s.numeric).map((s) => s.text)).toEqual(expect.arrayContaining(['24', '12']));
  });

  it('reads an address as one value and gives the span after "from" to where a trip starts', async () => {
    const fare = ERRANDS[3]!;
    expect(await plan([fare], 'Estimate the fare of a ride from 14 Harbour Road to Central Station.')).toEqual([
      ['Ride.fare', { pickupAddress: '14 Harbour Road', dropoffAddress: 'Central Station' }],
    ]);
    const spans = new GoalSpans('Move it from 3 Quay Street, Galway, with 16 GiB.').spans.map((s) => s.text);
    expect(spans).toEqual(expect.arrayContaining(['3 Quay Street', '3 Quay Street, Galway']));
    expect(spans).not.toContain('16 GiB');
    expect([shapeOf('14 Harbour Road'), shapeOf('5 Mill Row, Bath'), shapesAskedBy('dropoffAddress'), shapeOf('16 GiB')]).toEqual(['address', 'address', ['address', 'ip'], null]);
    // An IP address is an address too (`Firewall.blockAddress`).
    expect(shapesAskedBy('address')).toContain(shapeOf('10.0.0.7'));
  });

  it('gives a postcode param a postcode ("10115", "1012 AB"), never the word "postcode" that labels it', async () => {
    const courier = tool('Courier.ship', 'Ships a parcel.', { senderPostcode: 'Text', recipientPostcode: 'Text' });
    // Also where the model leans toward the label, as the d2 model does.
    expect(await plan([courier], 'Ship a parcel from postcode 10115 to 80331.', ['postcode'], 10)).toEqual([['Courier.ship', { senderPostcode: '10115', recipientPostcode: '80331' }]]);
    const sitters = tool('Sitters.search', 'Finds pet sitters near a postcode.', { postcode: 'Text', petType: 'Text' });
    expect(await plan([sitters], 'Who could look after a rabbit near postcode 1012 AB?')).toEqual([['Sitters.search', { postcode: '1012 AB', petType: 'rabbit' }]]);
    expect([shapeOf('10115'), shapeOf('1012 AB'), shapesAskedBy('zip')]).toEqual(['digits', 'postcode', ['postcode', 'digits']]);
  });

  it('gives a param the span after "as" a few words on from its word, and reads a sentence\'s subject as a name', async () => {
    const vet = tool('PetClinic.bookVisit', 'Books a vet appointment for a pet.', { petName: 'Text', date: 'Text', reason: 'Text' });
    expect(await plan([vet], 'Biscuit needs to see the vet on 2026-04-02 — put the reason down as "limping paw".')).toEqual([
      ['PetClinic.bookVisit', { petName: 'Biscuit', date: '2026-04-02', reason: 'limping paw' }],
    ]);
    const spans = (goal: string) => new GoalSpans(goal).spans.filter((s) => s.proper).map((s) => s.text);
    expect([spans('Biscuit needs a bath.'), spans('Bathe Biscuit.'), spans('Restart the fan.')]).toEqual([['Biscuit'], ['Biscuit'], []]);
  });

  it('counts a word naming the param as near a span only within the span\'s clause', async () => {
    const vault = tool('Vault.snapshot', 'Takes a labelled snapshot of a volume.', { volume: 'Text', label: 'Text' });
    // The model leaning toward the tool's own word, as the d2 model does.
    const steps = (await plan([vault], 'Take a snapshot of vol-orders and label it "pre-migration".', ['snapshot'], 6)) as unknown[];
    expect(steps[0]).toEqual([
      'Vault.snapshot',
      { volume: 'vol-orders', label: 'pre-migration' },
    ]);
  });

  it('gives a param asking for digits (`last4`) the digits, though a bare number, and no digits of a longer name', async () => {
    const wallet = [tool('Wallet.freezeCard', 'Blocks a card by its last four digits.', { last4: 'Text' }), tool('Wallet.recent', 'Lists recent transactions.', { limit: 'UInt8' })];
    // The model leaning toward the later number, as the d2 model does.
    expect(await plan(wallet, 'Block the card ending 8812, then show me the last 5 transactions.', ['5'], 4)).toEqual([
      ['Wallet.freezeCard', { last4: '8812' }],
      ['Wallet.recent', { limit: 5 }],
    ]);
    const flights = tool('Flights.book', 'Books a seat on a flight.', { flightNumber: 'Text', passengerName: 'Text' });
    expect(await plan([flights], 'Book flight TP 1350 for Jonas Berg.', ['1350'], 6)).toEqual([['Flights.book', { flightNumber: 'TP 1350', passengerName: 'Jonas Berg' }]]);
  });

  it('gives a param a value its tool\'s description names as an example ("a channel such as sms or email")', async () => {
    const remind = tool('Clinic.remind', 'Sends a reminder through a channel such as sms or email.', { appointmentId: 'Text', channel: 'Text' });
    // The model leaning toward "reminder", as the d2 model does.
    expect(await plan([remind], 'Send the reminder for appointment APT-7001 by email.', ['reminder'], 4)).toEqual([['Clinic.remind', { appointmentId: 'APT-7001', channel: 'email' }]]);
    // A tool's only Text param takes the examples wherever the description gives them.
    const scale = tool('Scale.setUnit', 'Sets the display unit of the scale, such as grams or ounces.', { unit: 'Text' });
    expect(await plan([scale], 'Switch the scale to ounces.', ['Switch'], 4)).toEqual([['Scale.setUnit', { unit: 'ounces' }]]);
  });

  it('gives a param asking for a code the code in parentheses, not the word it glosses ("Dutch (nl)")', async () => {
    const guide = tool('Guide.setLanguage', 'Changes the narration language.', { languageCode: 'Text' });
    // The model leaning toward the language's name, as the d2 model does.
    expect(await plan([guide], 'Switch the narration over to Dutch (code nl).', ['Dutch'], 4)).toEqual([['Guide.setLanguage', { languageCode: 'nl' }]]);
    const translate = tool('Translator.translate', 'Translates a text into a target language code.', { text: 'Text', target: 'Text' });
    expect(await plan([translate], "Translate 'Good morning' into Spanish (es).", ['Spanish'], 4)).toEqual([['Translator.translate', { text: 'Good morning', target: 'es' }]]);
    // A param asking for no code keeps the word.
    const weather = tool('Weather.forecast', 'Forecasts the weather of a city.', { city: 'Text' });
    expect(await plan([weather], 'Forecast the weather in Lisbon (lis).')).toEqual([['Weather.forecast', { city: 'Lisbon' }]]);
  });

  it('gives a Text param the number right after its own word ("zone 7"), and a name in a step\'s clause to that step', async () => {
    const parking = tool('Parking.start', 'Starts a parking session for a licence plate in a zone.', { plate: 'Text', zone: 'Text' });
    expect(await plan([parking], 'Start parking for plate KX-204-B in zone 7.')).toEqual([['Parking.start', { plate: 'KX-204-B', zone: '7' }]]);
    const library = [tool('Library.renew', 'Renews a borrowed book by title.', { title: 'Text' }), tool('Library.reserve', 'Reserves a book by title.', { title: 'Text' })];
    // The model leaning toward the title of the step before, as the d2 model does.
    expect(await plan(library, 'Renew Dune and reserve Emma.', ['Dune'], 4)).toEqual([
      ['Library.renew', { title: 'Dune' }],
      ['Library.reserve', { title: 'Emma' }],
    ]);
  });

  it('lets the model\'s lean count at most 8 nats against the priors', async () => {
    const team = [tool('Team.remove', 'Removes a member from a team.', { team: 'Text', email: 'Text' })];
    // The model 20 nats sure of "right"; the priors 16 nats surer of the quoted team name next to "team".
    expect(await plan(team, "Remove lee@corp.io from the 'design' team right away.", ['right'], 20)).toEqual([['Team.remove', { team: 'design', email: 'lee@corp.io' }]]);
  });

  it('writes an address with the town after its comma whole', async () => {
    const movers = tool('Movers.quote', 'Quotes a move between two addresses.', { fromAddress: 'Text', toAddress: 'Text' });
    expect(await plan([movers], 'Quote a move from 3 Quay Street, Galway to 88 Ranelagh Road, Dublin.')).toEqual([
      ['Movers.quote', { fromAddress: '3 Quay Street, Galway', toAddress: '88 Ranelagh Road, Dublin' }],
    ]);
  });

  it('gives a reference code to a param naming an id, and keeps dates and times from params that ask for neither', async () => {
    const [, , , , rate, , kennel] = ERRANDS;
    expect(await plan([rate!], 'That trip, RD-90210, was great: rate the driver five stars.', ['great'])).toEqual([['Ride.rate', { rideId: 'RD-90210', stars: 5 }]]);
    expect([shapeOf('RD-90210'), shapeOf('QX7P2'), shapeOf('TP 1350'), shapeOf('cobalt-28'), shapeOf('db-01'), shapesAskedBy('trackingNumber')]).toEqual([
      'code',
      'code',
      'code',
      null,
      null,
      ['code', 'postcode', 'digits'],
    ]);
    expect(await plan([kennel!], 'Register our beagle Pepper on 2026-04-02 at 07:30.')).toEqual([['Kennel.addDog', { dogName: 'Pepper', breed: 'beagle' }]]);
  });

  it('reads a possessive as its owner, and the span after another param\'s preposition as that param\'s', async () => {
    const [, , , , , tailor, , rename] = ERRANDS;
    expect(await plan([tailor!], "Book a fitting for Priya Raghunathan's jacket on 2026-02-11.")).toEqual([['Tailor.fit', { customerName: 'Priya Raghunathan', date: '2026-02-11' }]]);
    // Inside a name the possessive stays.
    expect(new GoalSpans("Add Mum's Golf to the garage.").spans.map((s) => s.text)).toContain("Mum's Golf");
    expect(await plan([rename!], 'Rename /etc/hosts to /srv/notes.txt.', ['/srv'])).toEqual([['Files.rename', { from: '/etc/hosts', to: '/srv/notes.txt' }]]);
  });

  it('reads units from param names and descriptions, and converts within a dimension only', () => {
    expect(paramUnit('timeoutMs', '')).toEqual(unitOf('ms'));
    expect(paramUnit('durationSeconds', '')).toEqual(unitOf('seconds'));
    expect(paramUnit('size', 'Grows a volume to a number of MiB.')).toEqual(unitOf('MiB'));
    expect(paramUnit('count', 'Returns the newest messages.')).toBeNull();
    expect(convert(3, unitOf('minutes')!, unitOf('ms')!)).toBe(180_000);
    expect(convert(2, unitOf('GiB')!, unitOf('MiB')!)).toBe(2048);
    expect(convert(8, unitOf('gibibytes')!, unitOf('mebibytes')!)).toBe(8192);
    // Sizes count in powers of two, as capOS's interfaces do: "768 MiB" is 768 `megabytes`, a gigabyte a GiB.
    expect(convert(768, unitOf('MiB')!, paramUnit('megabytes', '')!)).toBe(768);
    expect(convert(2, unitOf('GB')!, unitOf('bytes')!)).toBe(2 ** 31);
    expect(convert(3, unitOf('minutes')!, unitOf('bytes')!)).toBeNull();
    expect(convert(0.5, unitOf('kilometre')!, paramUnit('radiusMeters', '')!)).toBe(500);
  });
});
