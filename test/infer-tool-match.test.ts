import { describe, expect, it } from 'vitest';
import type { ToolDescriptor } from '../src/data/descriptor.js';
import { concepts } from '../src/infer/concepts.js';
import { GoalReading } from '../src/infer/goal-reading.js';
import { ToolMatchBias } from '../src/infer/tool-match.js';

const tool = (name: string, description: string, params: Record<string, string> = {}): ToolDescriptor => ({
  name,
  description,
  params: Object.fromEntries(Object.entries(params).map(([k, type]) => [k, { type }])) as ToolDescriptor['params'],
});

const tools = [
  tool('Glorp.deleteWidget', 'Deletes a widget.', { widgetId: 'Text' }),
  tool('Glorp.createWidget', 'Creates a widget.', { widgetId: 'Text' }),
  tool('Timer.sleep', 'Waits before the next step.', { ms: 'UInt32' }),
  tool('Qzx.flip', 'Flips the qzx.', { on: 'Bool' }),
];
const SLOTS = [5, 6, 7, 8];
const bias = (goal: string, weight = 1) => new ToolMatchBias(new GoalReading(goal, tools), weight, SLOTS);
const best = (scores: number[]) => scores.indexOf(Math.max(...scores));
const DELETE_STEP = '{"tool":"Glorp.deleteWidget","args":{"widgetId":"w-7"},"rationale":"Deletes a widget."}';

describe('concepts', () => {
  it('splits camelCase, drops stop words, and meets inflections and generic synonyms at one concept', () => {
    expect(concepts('deleteWidget')).toEqual(concepts('deleting the widgets'));
    expect(concepts('remove')).toEqual(concepts('Deletes'));
    expect(concepts('pause for 3 seconds')).toContain(concepts('delaySeconds')[1]);
    expect(concepts('ms')).toEqual(concepts('milliseconds'));
    expect(concepts('the of and then please')).toEqual([]);
    expect(concepts('install')).toEqual(concepts('add'));
    expect(concepts('RAM')).toEqual(concepts('memory'));
    expect(concepts('open')).toEqual(concepts('read'));
    expect(concepts('scrap')).toEqual(concepts('delete'));
    expect(concepts('describe')).toEqual(concepts('show'));
    expect([concepts('shift')[0], concepts('rescheduleAppointment')[0]]).toEqual([concepts('move')[0], concepts('move')[0]]);
    // Everyday abbreviations meet the word they shorten ("Dr. Okafor" and a `doctor` param).
    expect(concepts('Dr appt acct qty')).toEqual(concepts('doctor appointment account quantity'));
    expect(concepts('snap a picture')[1]).toEqual(concepts('Drone.photo')[1]);
  });

  it('reads a doubled consonant before -ing/-ed as the verb\'s own, and phrasal verbs as their meaning', () => {
    expect(concepts('setting')).toEqual(concepts('set'));
    // A noun in -tion/-sion meets its verb ("vaccination", "vaccinated"; "deletion", "delete").
    expect(concepts('vaccinations')).toEqual(concepts('vaccinated'));
    expect(concepts('deletion')).toEqual(concepts('delete'));
    expect(concepts('stopped')).toEqual(concepts('stop'));
    // British "-elled": "cancelled" is "cancel", while "spelled" and "installed" keep their double l.
    expect(concepts('cancelled labelled travelling')).toEqual(concepts('cancel label travel'));
    expect(concepts('spelled installed')).toEqual(concepts('spell install'));
    // What a contraction leaves is no word: "you've cancelled" is "cancel".
    expect(concepts("you've cancelled, it won't, isn't")).toEqual(concepts('cancel'));
    expect(concepts('warming')).toEqual(concepts('heats'));
    // Irregular past forms are their verb ("took" a dose is "Logs a dose … taken").
    expect(concepts('took taken bought frozen')).toEqual(concepts('take take buy freeze'));
    // More phrasal verbs and ways to empty something.
    expect(concepts('roll vol-2 back')[0]).toEqual(concepts('restore')[0]);
    expect(concepts('pull up the standings')[0]).toEqual(concepts('show')[0]);
    expect(concepts('drain it')).toEqual(concepts('purge'));
    expect(concepts('Remind me')).toEqual(concepts('reminder'));
    expect(concepts('passing')).toEqual(['pass']);
    // The particle stays as a word of its own.
    expect(concepts('shut down the pump')).toEqual(concepts('stop down the pump'));
    expect(concepts('switchOffLamp')).toEqual(concepts('disable off lamp'));
    expect(concepts('set up a recipe')).toEqual(concepts('create up a recipe'));
    expect(concepts('call off the booking')[0]).toEqual(concepts('cancelBooking')[0]);
    expect(concepts('note down the inseam')[0]).toEqual(concepts('recordMeasurement')[0]);
    expect(concepts('free up locker 118')[0]).toEqual(concepts('releaseLocker')[0]);
    // Split by its object, the phrasal verb is still one.
    expect(concepts('switch the garden lamp off')).toEqual(concepts('disable the garden lamp off'));
    expect(concepts('hand ticket TK-55 over')[0]).toEqual(concepts('transferTicket')[0]);
    expect(concepts('take the NetworkStack capability away')[0]).toEqual(concepts('revokeCapability')[0]);
    expect(concepts('log the result in the journal')).toEqual(['log', 'result', 'journal']);
    // Another word before the phrasal verb does not hide it, nor does a phrasal verb reach past a comma.
    expect(concepts('stop the pump, then turn it off')).toEqual(concepts('stop the pump, then disable it off'));
    expect(concepts('turn the pump, then the lamp off')).toEqual(['turn', 'pump', 'lamp', 'off']);
    // A particle alone is not a phrasal verb.
    expect(concepts('scale up')).toEqual(['scal', 'up']);
    // To file something under a name is to move it there; the file under a path stays a file.
    expect(concepts('file invoice 12 under paid')[0]).toEqual(concepts('moveTo')[0]);
    expect(concepts('after filing the receipt under travel')[0]).toEqual(concepts('move')[0]);
    expect(concepts('read the file under /etc')).toContain(concepts('file')[0]);
    // To put something in a place is to add it there, also with the thing between ("put alice in backup").
    expect(concepts('put alice in backup')[0]).toEqual(concepts('addToGroup')[0]);
    expect(concepts('put the bowl into the cupboard')[0]).toEqual(concepts('add')[0]);
    // To make a property of something a value is to set it; to make a copy is to create one.
    expect(concepts('make the volume of speaker violet2 35%')[0]).toEqual(concepts('setVolume')[0]);
    expect(concepts('make a copy of the file')[0]).toEqual(concepts('create')[0]);
  });

  it('reads "every" before a span of time as an interval, elsewhere as all of them', () => {
    const list = concepts('list')[0]!;
    expect(concepts('show every bed')).toContain(list);
    for (const often of ['every hour', 'every 5 minutes', 'every three days', 'every half an hour', 'every number of seconds']) {
      expect(concepts(often)).not.toContain(list);
      // How often is an interval: "run it every 5 minutes" meets `setInterval` and "every number of seconds".
      expect(concepts(often)).toContain(concepts('setInterval')[1]);
    }
  });

  it('reads "get" before a new thing ("get us a table", "get two seats") as obtaining it, before a report or a quantity as reading', () => {
    const get = concepts('get')[0]!;
    expect(concepts('Get us a table for six')).not.toContain(get);
    expect(concepts('then get two seats in section B')).not.toContain(get);
    expect(concepts('get me a list of the seats')).toContain(get);
    expect(concepts('get 1 KiB of randomness')).toContain(get);
    expect(concepts('get the status')).toContain(get);
  });

  it('reads "tell" someone as sending a message, "tell me" as asking to read', () => {
    expect(concepts('tell #general that lunch is ready')[0]).toEqual(concepts('message')[0]);
    expect(concepts('tell me the time')[0]).toEqual(concepts('get')[0]);
  });

  it('reads "number" before digits as a label ("tray number 12"), elsewhere as a count', () => {
    const count = concepts('count')[0]!;
    expect(concepts('the number of trays')).toContain(count);
    expect(concepts('water tray number 12')).not.toContain(count);
  });
});

describe('ToolMatchBias', () => {
  it('prefers the tool the goal names in words, also in other words', () => {
    expect(best(bias('flip the qzx').scores(''))).toBe(3);
    expect(best(bias('remove widget w-7').scores(''))).toBe(0);
    expect(best(bias('make a new widget called w-7').scores(''))).toBe(1);
    expect(best(bias('pause for 300 ms').scores(''))).toBe(2);
  });

  it('words every listed tool shares decide nothing: only "remove" separates the two widget tools', () => {
    const scores = bias('remove widget w-7').scores('');
    const shared = bias('the widget w-7').scores('');
    expect(shared[0]).toBeCloseTo(shared[1]!, 12);
    expect(scores[0]! - scores[1]!).toBeGreaterThan(0);
  });

  it('after a step, the concepts its tool matched count less, so the next step looks for the other clause', () => {
    const prior = bias('delete the widget, then wait a second');
    const first = prior.scores('');
    const second = prior.scores(`{"steps":[${DELETE_STEP},{"tool":"`);
    expect(best(first)).toBe(0);
    expect(best(second)).toBe(2);
    // The widget concept the first step explained counts less now, and the tool it called less again.
    expect(second[1]).toBeLessThan(first[1]!);
    expect(second[0]).toBeLessThan(first[0]!);
  });

  it('gives a step to the tool its own clause names, not to one that matches a clause still to come better', () => {
    // "the beds" fits both tools equally; watering is what the later clause asks.
    const beds = [tool('Greenhouse.waterBed', 'Waters a bed.', { bed: 'Text' }), tool('Greenhouse.listBeds', 'Lists the beds.')];
    const prior = new ToolMatchBias(new GoalReading('Check the beds, then water bed-2.', beds), 1, [5, 6]);
    expect(best(prior.scores(''))).toBe(1);
    expect(best(prior.scores('{"steps":[{"tool":"Greenhouse.listBeds","args":{},"rationale":"Lists the beds."},{"tool":"'))).toBe(0);
  });

  it('reads a question as asking to read: "What\'s the tide height?" takes the getter, not the setter', () => {
    const tides = [tool('Tides.setHeightAlert', 'Alerts when the tide height crosses a level.', { port: 'Text', metres: 'Float64' }), tool('Tides.height', 'The tide height at a port.', { port: 'Text' })];
    expect(best(new ToolMatchBias(new GoalReading("What's the tide height at Brest?", tides), 1, [5, 6]).scores(''))).toBe(1);
  });

  it('reads "get us a table" as no request to read: the list of free tables gains nothing from it', () => {
    const tables = [tool('Diner.reserveTable', 'Reserves a table.'), tool('Diner.listFreeTables', 'Lists the free tables.')];
    const scores = (goal: string) => new ToolMatchBias(new GoalReading(goal, tables), 1, [5, 6]).scores('');
    const [reserve, list] = scores('Could you get us a table?');
    expect(reserve).toBeGreaterThanOrEqual(list!);
    const [reserveRead, listRead] = scores('Could you get us the tables?');
    expect(listRead).toBeGreaterThan(reserveRead!);
  });

  it('prefers the tool with a param for each value of the step\'s clause: a name to a Text param, a number to a number or a spare Text param', () => {
    const fridge = [tool('Fridge.setTemperature', 'Sets the fridge temperature.', { celsius: 'UInt8' }), tool('Fridge.setMode', 'Sets the fridge mode.', { mode: 'Text' })];
    const reading = (goal: string) => new GoalReading(goal, fridge);
    const scores = (goal: string) => new ToolMatchBias(reading(goal), 1, [5, 6]).scores('');
    expect(best(scores("Set the fridge to 'eco'."))).toBe(1);
    const quoted = reading("Set the fridge to 'eco'.");
    expect([quoted.unplacedValues(quoted.asked[0]!, 0), quoted.unplacedValues(quoted.asked[0]!, 1)]).toEqual([1, 0]);
    const number = reading('Set the fridge to 4 degrees.');
    expect([number.unplacedValues(number.asked[0]!, 0), number.unplacedValues(number.asked[0]!, 1)]).toEqual([0, 0]);
    const both = reading("Set the fridge to 'eco' at 4 degrees.");
    expect([both.unplacedValues(both.asked[0]!, 0), both.unplacedValues(both.asked[0]!, 1)]).toEqual([1, 1]);
  });

  it('reads a clause led by a verb of reading as asking to read: "show the ride schedule" pushes the scheduler down', () => {
    const rides = [tool('Shuttle.schedule', 'Schedules a ride.', { time: 'Text' }), tool('Shuttle.upcoming', 'Lists the scheduled rides.')];
    const scores = (goal: string) => new ToolMatchBias(new GoalReading(goal, rides), 1, [5, 6]).scores('');
    const [scheduleShown, upcomingShown] = scores('Please show the ride schedule.');
    // Neither "plan" nor "show" is a word of the scheduler: it loses 1 only for being asked by a verb of reading.
    const [schedulePlanned, upcomingPlanned] = scores('Plan the ride schedule.');
    expect(schedulePlanned! - scheduleShown!).toBeCloseTo(1, 9);
    expect(upcomingShown).toBeCloseTo(upcomingPlanned!, 9);
    // "give" changes something: no verb of reading.
    const reading = new GoalReading('Give member M-2 a locker.', rides);
    expect(reading.asksToRead(reading.clauses.all[0]!)).toBe(false);
  });

  it('reads a list tool as one that shows: "show the beds" asks for the list', () => {
    const beds = [tool('Greenhouse.renameBed', 'Renames a bed.', { bed: 'Text', name: 'Text' }), tool('Greenhouse.listBeds', 'Lists the beds.')];
    expect(best(new ToolMatchBias(new GoalReading('Show the beds.', beds), 1, [5, 6]).scores(''))).toBe(1);
    // A list only named in a description ("your favourites list") is no list method.
    const exhibits = [tool('Museum.narrate', 'Narrates an exhibit.', { exhibitId: 'Text' }), tool('Museum.pin', 'Saves an exhibit to your favourites list.', { exhibitId: 'Text' })];
    const [narrate, pin] = new ToolMatchBias(new GoalReading('Show me exhibit e-1.', exhibits), 1, [5, 6]).scores('');
    expect(pin).toBeCloseTo(narrate!, 12);
  });

  it('scores step k against the goal\'s k-th clause in the order the goal asks for', () => {
    // Text order: flip first; asked order: delete first ("after you").
    const prior = bias('Flip the qzx after you delete widget w-7.');
    expect(best(prior.scores('{"steps":[{"tool":"'))).toBe(0);
    expect(best(prior.scores(`{"steps":[${DELETE_STEP},{"tool":"`))).toBe(3);
    expect(prior.stepsAsked()).toBe(2);
  });

  it('pushes down a tool whose method a negated clause names, and one an earlier step already called', () => {
    const plain = bias('Create widget w-7.').scores('');
    const negated = bias('Create widget w-7. Do not delete anything.').scores('');
    expect(negated[0]).toBeLessThan(plain[0]! - 1);
    expect(negated[1]).toBeCloseTo(plain[1]!, 12);
    const again = bias('Create widget w-7.').scores('{"steps":[{"tool":"Glorp.createWidget","args":{"widgetId":"w-7"},"rationale":"Creates a widget."},{"tool":"');
    expect(again[1]).toBeLessThan(plain[1]!);
  });

  it('adds weight × score to the listed slots only', () => {
    const prior = bias('flip the qzx', 2);
    const row = new Float32Array(10);
    prior.apply(row, '');
    const scores = prior.scores('');
    expect(Array.from(row.subarray(5, 9))).toEqual(scores.map((s) => Math.fround(2 * s)));
    expect(Array.from(row.subarray(0, 5)).concat(row[9]!)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('counts the clauses that use a listed tool\'s words as the steps asked for, and pulls the step count toward it', () => {
    expect(bias('Delete widget w-7, then wait 3 seconds and flip the qzx.').stepsAsked()).toBe(3);
    expect(bias('Delete widget w-7 please.').stepsAsked()).toBe(1);
    const pull = (goal: string, written: string) => {
      const mask = new Uint8Array(128);
      mask[0x2c] = mask[0x5d] = 1;
      const row = new Float32Array(128);
      bias(goal).applyContinue(row, mask, (id) => id, written); // token id = its single byte, for the test
      return row[0x2c]! - row[0x5d]!;
    };
    const goal = 'Delete widget w-7, then wait 3 seconds and flip the qzx.';
    expect(pull(goal, `{"steps":[${DELETE_STEP}`)).toBeGreaterThan(0);
    expect(pull(goal, `{"steps":[${DELETE_STEP},${DELETE_STEP},${DELETE_STEP}`)).toBeLessThan(0);
    // The more clearly the next asked clause names a listed tool, the harder the pull toward another step.
    expect(pull('Delete widget w-7, then flip the qzx.', `{"steps":[${DELETE_STEP}`)).toBeGreaterThan(pull('Delete widget w-7, then flip it.', `{"steps":[${DELETE_STEP}`));
  });

  it('reads a clause led by a noun the tools use but no method starts with as making one ("Bookmark <url>")', () => {
    const bookmarks = [
      tool('Bookmarks.add', 'Adds a bookmark.', { url: 'Text' }),
      tool('Bookmarks.list', 'Lists the bookmarks.'),
      tool('Bookmarks.open', 'Opens a bookmark in the browser.', { url: 'Text' }),
    ];
    const scores = (goal: string) => new ToolMatchBias(new GoalReading(goal, bookmarks), 1, [5, 6, 7]).scores('');
    expect(best(scores('Bookmark https://a.io/x.'))).toBe(0);
    // A clause led by a verb is left as it is.
    expect(best(scores('Open bookmark https://a.io/x.'))).toBe(2);
  });

  it('does not read values written like names as request words ("shop.example.net" asks for no shop)', () => {
    expect([...new GoalReading('Renew shop.example.net and revoke 7D:3E:01.', tools).goalConcepts].sort()).toEqual([...concepts('renew revoke')].sort());
  });

  it('favours a refusal when the goal shares no word with any listed tool, or asks only the opposite of what one does', () => {
    const mask = new Uint8Array(128);
    mask[0x7b] = mask[0x5d] = 1;
    const decide = (goal: string) => {
      const row = new Float32Array(128);
      bias(goal).applyDecision(row, mask, (id) => id);
      return row[0x5d]! - row[0x7b]!;
    };
    expect(decide('Bitte schalte das Licht aus.')).toBeGreaterThan(0);
    expect(decide('delete widget w-7')).toBe(0);
    /** Nats toward refusing `goal` with `listed` tools. */
    const decideAmong = (listed: ToolDescriptor[], goal: string) => {
      const row = new Float32Array(128);
      new ToolMatchBias(new GoalReading(goal, listed), 1, [5, 6]).applyDecision(row, mask, (id) => id);
      return row[0x5d]! - row[0x7b]!;
    };
    // Only the opposite is listed: no tool deletes, one creates.
    const creates = [tool('Glorp.createWidget', 'Creates a widget.', { widgetId: 'Text' }), tool('Glorp.renameWidget', 'Renames a widget.', { widgetId: 'Text' })];
    expect(decideAmong(creates, 'delete widget w-7')).toBeGreaterThan(0);
    expect(decideAmong(creates, 'rename widget w-7')).toBe(0);
    // Cancelling is the opposite of booking (booking, reserving and scheduling are one).
    const classes = [tool('Gym.bookClass', 'Books a member into a class.', { classId: 'Text' }), tool('Gym.listClasses', 'Lists the classes of a day.', { day: 'Text' })];
    expect(decideAmong(classes, 'Cancel my class booking BK-551.')).toBeGreaterThan(0);
    expect(decideAmong(classes, 'Schedule me into class BK-551.')).toBe(0);
    // The opposite tool must act on what the clause names: running a fan is no near miss of killing a process.
    const fans = [tool('Fan.setDuty', 'Sets the duty of a fan in percent.', { fan: 'Text', percent: 'UInt8' }), tool('Proc.kill', 'Terminates a process.', { pid: 'UInt32' })];
    expect(decideAmong(fans, 'Run the f1 fan at 65 percent.')).toBe(0);
    // Nor is it a near miss when another listed tool matches the clause better: "drop" is no "cancel", but
    // `cancelBooking` acts on the booking by its method's name while `addNote` only takes its id.
    const bookings = [tool('Desk.cancelBooking', 'Cancels a booking.', { bookingId: 'Text' }), tool('Desk.addNote', 'Adds a note to a booking.', { bookingId: 'Text', note: 'Text' })];
    expect(decideAmong(bookings, 'Drop booking BK-12.')).toBe(0);
    expect(decideAmong(bookings.slice(1), 'Drop booking BK-12.')).toBeGreaterThan(0);
    // A verb no listed tool names reads as a near one some tool does: money sent is moved; a build stopped is cancelled.
    const bank = [tool('Bank.transfer', 'Moves money between two accounts.', { fromAccount: 'Text', toAccount: 'Text', amount: 'Float64' })];
    expect(decideAmong(bank, 'Send 250.75 from checking to savings.')).toBe(0);
    const builds = [tool('Forge.triggerBuild', 'Starts a build of a branch.', { branch: 'Text' }), tool('Forge.cancelBuild', 'Cancels a running build.', { build: 'UInt32' })];
    expect(best(new ToolMatchBias(new GoalReading('Stop build 1187.', builds), 1, [5, 6]).scores(''))).toBe(1);
    // Not deleting as cancelling: "Delete message 4071" is no near one of cancelling an alarm.
    const alarms = [tool('Timer.cancelAlarm', 'Cancels a named alarm.', { name: 'Text' })];
    expect(decideAmong(alarms, 'Delete message 4071.')).toBeGreaterThan(0);
    // To check is to read, where the reading tool acts on what the clause names (or is named by the reading verb).
    const parcels = [tool('Parcel.redirect', 'Sends a parcel to a new address.', { parcelId: 'Text', address: 'Text' }), tool('Parcel.locate', 'Reports the position of a parcel.', { parcelId: 'Text' })];
    expect(best(new ToolMatchBias(new GoalReading('Check where parcel P-7 is.', parcels), 1, [5, 6]).scores(''))).toBe(1);
    const queue = [tool('Mail.queueLength', 'Reports how many messages wait in the queue.')];
    expect(decideAmong(queue, 'Check the speed of the case fan.')).toBeGreaterThan(0);
  });
});

