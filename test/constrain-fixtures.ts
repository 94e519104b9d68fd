import type { ActionPlan } from '../src/data/actionplan.js';
import type { ToolDescriptor } from '../src/data/descriptor.js';

/** Shared by the constrain tests: descriptors covering every Cap'n Proto type and plans over them. */
const tool = (name: string, params: Record<string, string> = {}): ToolDescriptor => ({
  name,
  description: `Does ${name}.`,
  params: Object.fromEntries(Object.entries(params).map(([k, type]) => [k, { type }])),
});

/** Every Cap'n Proto type of DESIGN.md, a zero-argument tool and nested lists. */
export const ALL_TYPES: ToolDescriptor[] = [
  tool('NetworkStack.info'),
  tool('LogReader.tail', { source: 'Text', lines: 'UInt32' }),
  tool('Sensor.calibrate', { level: 'Int8', offset: 'Int64', gain: 'Float32', scale: 'Float64', enabled: 'Bool', marker: 'Void', small: 'UInt8' }),
  tool('Blob.put', { key: 'Text', data: 'Data', tags: 'List(Text)' }),
  tool('Matrix.load', { rows: 'List(List(Int16))' }),
];

export const VALID_PLANS: ActionPlan[] = [
  { steps: [{ tool: 'NetworkStack.info', args: {}, rationale: 'Check the stack.' }] },
  { steps: [], refusal: 'None of the available tools can do this.' },
  {
    steps: [
      { tool: 'LogReader.tail', args: { source: 'quote" back\\ tab\t nl\n é 漢 😀 \u0001 \u2028', lines: 4294967295 }, rationale: '' },
      {
        tool: 'Sensor.calibrate',
        args: { level: -128, offset: -9007199254740991, gain: 0.5, scale: -1.25e-7, enabled: true, marker: null, small: 0 },
        rationale: 'Calibrate.',
      },
      { tool: 'Sensor.calibrate', args: { level: 127, offset: 9007199254740991, gain: 123456.75, scale: 6.02e23, enabled: false, marker: null, small: 255 }, rationale: 'x' },
      { tool: 'Blob.put', args: { key: '', data: 'AAECAw==', tags: [] }, rationale: 'Store.' },
      { tool: 'Blob.put', args: { key: 'k', data: 'QUJD', tags: ['a', 'b c'] }, rationale: 'Store.' },
      { tool: 'Blob.put', args: { key: 'k', data: 'QUI=', tags: ['x'] }, rationale: 'Store.' },
      { tool: 'Matrix.load', args: { rows: [[1, -2, 32767], [], [-32768]] }, rationale: 'Load.' },
    ],
  },
];

/** The survey probe's tools (../shared/probe/dev.jsonl, first case), for generation tests. */
export const SURVEY_TOOLS: ToolDescriptor[] = [
  { name: 'ServiceSupervisor.restart', description: 'Restart a supervised service.', params: { service: { type: 'Text' } } },
  { name: 'NetworkStack.info', description: 'Report interface state and whether the stack has failed.', params: {} },
  { name: 'LogReader.tail', description: 'Return the last lines of a log.', params: { source: { type: 'Text' }, lines: { type: 'UInt32' } } },
];
export const SURVEY_GOAL = 'Restart the network stack, but first check its status.';
/** Small bounds so even a random model's plan fits the test context. */
export const SMALL_GRAMMAR = { maxSteps: 3, maxRationaleChars: 24, maxTextChars: 12, maxListItems: 3 };
