import type { Prng } from '../../util/prng.js';

/** A generated argument: the words that mention it in the goal and the JSON value the plan must carry. */
export interface RenderedValue {
  text: string;
  value: unknown;
}

export type ValueKind = (rng: Prng) => RenderedValue;

const NUMBER_WORDS = [
  'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve',
  'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen', 'twenty',
];
// "one hundred", not "a hundred": templates put numbers after articles ("the last {lines} lines", "a {words}-word summary").
const TENS_WORDS: Record<number, string> = { 30: 'thirty', 40: 'forty', 50: 'fifty', 60: 'sixty', 70: 'seventy', 80: 'eighty', 90: 'ninety', 100: 'one hundred' };

/** English word for n when there is a common one (0–20, tens, one hundred), else null. */
export function numberWord(n: number): string | null {
  if (Number.isInteger(n) && n >= 0 && n <= 20) return NUMBER_WORDS[n]!;
  return TENS_WORDS[n] ?? null;
}

/** Digits most of the time, the number word sometimes, so the model learns both. */
function sayNumber(rng: Prng, n: number): string {
  const word = numberWord(n);
  return word !== null && rng.chance(0.3) ? word : String(n);
}

function quoteMaybe(rng: Prng, s: string, pQuote: number): string {
  const mustQuote = /\s/.test(s);
  if (!mustQuote && !rng.chance(pQuote)) return s;
  return rng.chance(0.5) ? `'${s}'` : `"${s}"`;
}

/** A Text value drawn from a pool; multi-word values are always quoted so their extent is clear. */
function text(pool: readonly string[], pQuote = 0.2): ValueKind {
  return (rng) => {
    const v = rng.pick(pool);
    return { text: quoteMaybe(rng, v, pQuote), value: v };
  };
}

function joinEnglish(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** A List(Text) of 1–3 distinct pool items, mentioned as "a, b and c". */
function textList(pool: readonly string[], max = 3): ValueKind {
  return (rng) => {
    const items = rng.shuffle(pool).slice(0, rng.range(1, max));
    return { text: joinEnglish(items.map((v) => quoteMaybe(rng, v, 0.1))), value: items };
  };
}

function integer(choices: readonly number[]): ValueKind {
  return (rng) => {
    const n = rng.pick(choices);
    return { text: sayNumber(rng, n), value: n };
  };
}

function integerBetween(lo: number, hi: number): ValueKind {
  return (rng) => {
    const n = rng.range(lo, hi);
    return { text: sayNumber(rng, n), value: n };
  };
}

/** One way to say a quantity: how many of the declared unit each displayed unit is worth. */
interface UnitSpelling {
  /** Numbers the display uses, e.g. seconds 1..60. */
  amounts: readonly number[];
  singular: string;
  plural: string;
  /** Declared-unit value of one displayed unit. */
  factor: number;
}

/** Fixed phrases with a known value ("half a second"). */
type Idiom = [string, number];

function quantity(spellings: readonly UnitSpelling[], idioms: readonly Idiom[] = []): ValueKind {
  return (rng) => {
    if (idioms.length > 0 && rng.chance(0.12)) {
      const [phrase, value] = rng.pick(idioms);
      return { text: phrase, value };
    }
    const unit = rng.pick(spellings);
    const n = rng.pick(unit.amounts);
    const number = Number.isInteger(n) ? sayNumber(rng, n) : String(n);
    return { text: `${number} ${n === 1 ? unit.singular : unit.plural}`, value: Math.round(n * unit.factor) };
  };
}

const span = (lo: number, hi: number, step = 1): number[] => Array.from({ length: Math.floor((hi - lo) / step) + 1 }, (_, i) => lo + i * step);

const MS = [
  { amounts: span(50, 950, 50), singular: 'millisecond', plural: 'milliseconds', factor: 1 },
  { amounts: span(100, 900, 100), singular: 'ms', plural: 'ms', factor: 1 },
  { amounts: [...span(1, 30), 45, 60, 90, 1.5, 2.5], singular: 'second', plural: 'seconds', factor: 1000 },
  { amounts: span(1, 10), singular: 'minute', plural: 'minutes', factor: 60_000 },
];
const MS_IDIOMS: Idiom[] = [['half a second', 500], ['a second', 1000], ['a minute', 60_000], ['a quarter of a second', 250]];

const SECONDS = [
  { amounts: [...span(5, 60, 5), 90], singular: 'second', plural: 'seconds', factor: 1 },
  { amounts: [...span(1, 20), 30, 45, 60], singular: 'minute', plural: 'minutes', factor: 60 },
  { amounts: span(1, 6), singular: 'hour', plural: 'hours', factor: 3600 },
];
const SECONDS_IDIOMS: Idiom[] = [['a minute', 60], ['an hour', 3600], ['half a minute', 30], ['half an hour', 1800]];

const MINUTES = [
  { amounts: [...span(5, 60, 5), 90], singular: 'minute', plural: 'minutes', factor: 1 },
  { amounts: span(1, 12), singular: 'hour', plural: 'hours', factor: 60 },
  { amounts: span(1, 3), singular: 'day', plural: 'days', factor: 1440 },
];
const MINUTES_IDIOMS: Idiom[] = [['an hour', 60], ['half an hour', 30], ['a day', 1440], ['a quarter of an hour', 15]];

const BYTES = [
  { amounts: [16, 32, 64, 128, 256, 512, 100, 1000], singular: 'byte', plural: 'bytes', factor: 1 },
  { amounts: [1, 2, 4, 8, 16, 64], singular: 'KiB', plural: 'KiB', factor: 1024 },
  { amounts: [1, 2, 4, 10], singular: 'MiB', plural: 'MiB', factor: 1024 * 1024 },
];
const MEGABYTES = [
  { amounts: [256, 512, 768, 100, 500], singular: 'MiB', plural: 'MiB', factor: 1 },
  { amounts: [128, 256, 512], singular: 'megabyte', plural: 'megabytes', factor: 1 },
  { amounts: [1, 2, 4, 8, 10, 16, 20, 32, 50, 64], singular: 'GiB', plural: 'GiB', factor: 1024 },
  { amounts: [1, 2, 5, 10, 20], singular: 'gigabyte', plural: 'gigabytes', factor: 1024 },
];

/** Signed millisecond offset: the direction word carries the sign. */
const offsetMs: ValueKind = (rng) => {
  const magnitude = quantity(MS, MS_IDIOMS)(rng);
  const back = rng.chance(0.5);
  return { text: `${back ? 'back' : 'forward'} by ${magnitude.text}`, value: back ? -(magnitude.value as number) : magnitude.value };
};

const percent: ValueKind = (rng) => {
  const n = rng.pick([20, 25, 30, 40, 50, 60, 65, 70, 75, 80, 85, 90, 100, 33.5, 42.5]);
  return { text: rng.chance(0.5) ? `${n}%` : `${n} percent`, value: n };
};

const floatOf = (choices: readonly number[]): ValueKind => (rng) => {
  const n = rng.pick(choices);
  return { text: String(n), value: n };
};

const niceness: ValueKind = (rng) => {
  const n = rng.range(-20, 19);
  return { text: String(n), value: n };
};

/** Program arguments: "the arguments -l and /var", "the argument --version" or "no arguments" (→ []). */
const programArgs: ValueKind = (rng) => {
  const pool = ['-l', '-a', '-h', '--version', '/var', '/tmp', '-v', '--help', '-n', '5', 'status', '/etc/hosts', '-r', '--json'];
  const count = rng.pick([0, 1, 1, 2, 2, 2, 3]);
  if (count === 0) return { text: rng.pick(['no arguments', 'no args']), value: [] };
  const items = rng.shuffle(pool).slice(0, count);
  return { text: `${count === 1 ? 'the argument' : 'the arguments'} ${joinEnglish(items)}`, value: items };
};

/** Data values are base64 (see capnp-values.ts), mentioned quoted. */
const base64: ValueKind = (rng) => {
  const bytes = Uint8Array.from({ length: rng.range(6, 18) }, () => rng.int(256));
  const v = Buffer.from(bytes).toString('base64');
  return { text: `'${v}'`, value: v };
};

const SERVICES = ['ntp', 'sshd', 'cron', 'nginx', 'postgres', 'dhcpd', 'redis', 'mosquitto', 'syslogd', 'httpd', 'smtpd', 'netd', 'backupd', 'metricsd', 'dnsmasq', 'vault'];
const LOG_SOURCES = ['auth', 'kernel', 'boot', 'nginx', 'audit', 'mail', 'cron', 'system', 'network', 'dns', 'sshd', 'firewall'];
const DIRS = ['/var/log', '/tmp', '/srv/www', '/home/alice', '/etc', '/data/db', '/var/cache/pkg', '/opt/app', '/home/bob/projects', '/mnt/usb', '/var/spool/mail', '/srv/backups'];
const FILES = ['/tmp/flag', '/etc/hosts', '/home/alice/notes.txt', '/etc/motd', '/opt/app/config.toml', '/tmp/report.txt', '/var/log/app.log', '/etc/resolv.conf', '/srv/www/index.html', '/home/bob/todo.md', '/data/export.csv', '/etc/capos/network.conf'];
const USERS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'mallory', 'oscar', 'peggy', 'trent', 'victor', 'walter'];
const GROUPS = ['wheel', 'admin', 'staff', 'audio', 'video', 'docker', 'backup', 'developers', 'ops', 'mail'];
const SHELLS = ['/bin/sh', '/bin/bash', '/usr/bin/zsh', '/usr/bin/fish', '/sbin/nologin'];
const MODELS = ['llama-3-8b', 'mistral-7b', 'phi-3-mini', 'bge-small', 'whisper-base', 'qwen2-1.5b', 'gemma-2b', 'minilm-l6'];
const PACKAGES = ['curl', 'vim', 'openssl', 'git', 'htop', 'ripgrep', 'zstd', 'tmux', 'rsync', 'jq', 'nginx', 'sqlite', 'python3', 'strace'];
const HOSTS = ['example.org', 'mail.example.com', 'capos.dev', 'api.internal', 'db.lan', 'updates.capos.dev', 'gateway.lan', 'news.example.net'];
const DOMAINS = ['example.org', 'example.com', 'capos.dev', 'shop.example.net', 'mail.example.com', 'intranet.lan'];
const IPS = ['10.0.0.5', '192.168.1.20', '172.16.4.9', '203.0.113.7', '198.51.100.23', '10.1.2.3', '192.168.0.1', '8.8.8.8', '1.1.1.1'];
const CIDRS = ['10.2.0.0/16', '192.168.50.0/24', '172.20.0.0/12', '0.0.0.0/0', '10.9.8.0/24'];
const LINKS = ['eth0', 'eth1', 'wlan0', 'br0', 'lo', 'usb0'];
const URLS = ['https://example.org/status', 'https://updates.capos.dev/index.json', 'http://10.0.0.5:8080/health', 'https://api.example.com/v1/jobs', 'https://capos.dev/releases/latest.tar.gz'];
const ZONES = ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Europe/London', 'Australia/Sydney'];
const TIME_SERVERS = ['pool.ntp.org', 'time.cloudflare.com', 'ntp.lan', 'time.google.com'];
const METRICS = ['cpu', 'memory', 'disk', 'temperature', 'load'];
const CAPABILITIES = ['NetworkStack', 'Console', 'LogReader', 'Timer', 'EntropySource', 'Directory', 'File', 'HttpClient'];
const CHANNELS = ['ops', 'alerts', 'security', 'oncall', 'builds', 'general'];
const FANS = ['cpu', 'case', 'gpu', 'psu', 'fan0', 'fan1'];
const FOLDERS = ['inbox', 'archive', 'spam', 'sent', 'work', 'drafts'];
const DEVICES = ['/dev/sda1', '/dev/sdb1', '/dev/nvme0n1p2', '/dev/vda1', '/dev/mmcblk0p1'];
const MOUNTS = ['/', '/home', '/var', '/data', '/mnt/usb', '/srv'];
const PROTOCOLS = ['tcp', 'udp'];
const SIGNALS = ['TERM', 'HUP', 'KILL', 'USR1', 'INT', 'STOP'];
const EVENTS = ['login', 'config-change', 'key-rotation', 'maintenance', 'deploy', 'reboot'];
const DETAILS = ['rotated the api keys', 'changed the firewall rules', 'started maintenance window', 'deployed version 2.4', 'reset the admin password'];
const CONSOLE_TEXTS = ['hello', 'ok', 'done', 'backup finished', 'system going down for maintenance', 'all checks passed', 'ready', 'update complete'];
const MESSAGES = ['disk almost full', 'backup completed', 'service restarted', 'high load on db', 'certificate renewed', 'maintenance starts now'];
const SUBJECTS = ['weekly report', 'backup status', 'server maintenance', 'disk usage alert', 'hello'];
const BODIES = ['all backups completed', 'the server reboots at noon', 'disk usage is above 90 percent', 'see you tomorrow', 'nothing to report'];
const PROMPTS = ['write a haiku about autumn', 'explain capabilities in one paragraph', 'draft a status update', 'list three uses of a timer'];
const EMBED_TEXTS = ['capability based security', 'restart the web server', 'the quick brown fox', 'disk usage report', 'hello world', 'network outage'];
const LABELS = ['nightly', 'before-upgrade', 'weekly', 'home-2024', 'db-snapshot', 'config'];
const ALARMS = ['tea', 'standup', 'deploy-check', 'backup-window', 'reminder'];
const JOBS = ['cleanup', 'rotate-logs', 'sync-mail', 'db-vacuum', 'heartbeat', 'report'];
const COMMANDS = ['rm -rf /tmp/cache', 'logrotate /etc/logrotate.conf', 'sync', 'vacuumdb --all', 'echo ping'];
const SECRET_NAMES = ['db-password', 'api-token', 'smtp-password', 'tls-key', 'github-token'];
const SECRET_VALUES = ['hunter2', 's3cr3t-value', 'tok_4f9a2c', 'correct horse battery staple'];
const RECORD_TYPES = ['MX', 'A', 'AAAA', 'TXT', 'NS', 'CNAME'];
const QUERIES = ['compression', 'editor', 'http client', 'json', 'monitoring'];
const PATTERNS = ['error', 'timeout', 'failed password', 'denied', 'panic', 'out of memory'];
const LEVELS = ['debug', 'info', 'warning', 'error'];
const BINARIES = ['ls', 'cat', 'df', 'uptime', 'grep', 'ps', 'tar', 'python3', 'make', 'ping'];
const EMAILS = ['alice@example.org', 'bob@example.com', 'ops@capos.dev', 'carol@example.net', 'admin@example.org'];
const LOG_MESSAGES = ['backup started', 'manual restart', 'config reloaded', 'maintenance finished', 'user note'];

/** Value kinds by `Iface.method.param`, then `Iface.param`, then param name: meaning can depend on the tool. */
const BY_INTERFACE_PARAM: Record<string, ValueKind> = {
  'Directory.path': text(DIRS, 0.1),
  'File.path': text(FILES, 0.1),
};

const BY_TOOL_PARAM: Record<string, ValueKind> = {
  'TextEmbedder.embed.text': text(EMBED_TEXTS, 1),
  'Timer.setAlarm.name': text(ALARMS),
  'Timer.cancelAlarm.name': text(ALARMS),
  'JobScheduler.schedule.name': text(JOBS),
  'JobScheduler.cancel.name': text(JOBS),
  'JobScheduler.runNow.name': text(JOBS),
  'SecretStore.get.name': text(SECRET_NAMES),
  'SecretStore.put.name': text(SECRET_NAMES),
  'SecretStore.delete.name': text(SECRET_NAMES),
  'SecretStore.put.value': text(SECRET_VALUES, 0.9),
  'SystemMonitor.setAlertThreshold.value': floatOf([70, 80, 85, 90, 95, 0.75, 2.5, 75.5]),
  'Console.writeLines.lines': textList(CONSOLE_TEXTS),
  'File.copy.source': text(FILES, 0.1),
  'File.copy.destination': text(['/tmp/copy.txt', '/srv/backups/hosts.bak', '/home/bob/notes.bak', '/data/archive/export.csv']),
  'BackupManager.restore.destination': text(['/tmp/restore', '/srv/restore', '/home/alice/restored', '/data/recovered']),
  'NetworkStack.addRoute.destination': text(CIDRS),
  'Directory.move.from': text(FILES, 0.1),
  'Directory.move.to': text(['/tmp/old-report.txt', '/srv/archive/notes.txt', '/home/bob/done.md', '/data/old.csv']),
  'StorageVolumes.usage.path': text(MOUNTS),
  'StorageVolumes.mount.path': text(MOUNTS),
  'StorageVolumes.unmount.path': text(MOUNTS),
  'HttpClient.download.path': text(FILES, 0.1),
  'BackupManager.create.path': text(DIRS, 0.1),
  'BackupManager.schedule.path': text(DIRS, 0.1),
  'NetworkStack.ping.count': integerBetween(1, 10),
  'LogWriter.append.message': text(LOG_MESSAGES, 1),
  'Notifier.notify.message': text(MESSAGES, 1),
  'Notifier.page.message': text(MESSAGES, 1),
  'TextGenerator.summarize.text': text(BODIES, 1),
  'PackageManager.search.query': text(QUERIES, 0.6),
};

const BY_PARAM: Record<string, ValueKind> = {
  service: text(SERVICES),
  link: text(LINKS),
  address: text(IPS, 0.05),
  gateway: text(IPS, 0.05),
  prefixLength: integer([8, 16, 24, 32]),
  host: text(HOSTS, 0.05),
  count: integer([3, 5, 10, 15, 20, 25, 50]),
  source: text(LOG_SOURCES),
  lines: integer([5, 10, 15, 20, 25, 30, 40, 50, 100, 200]),
  pattern: text(PATTERNS, 0.7),
  seconds: quantity(SECONDS, SECONDS_IDIOMS),
  message: text(MESSAGES, 1),
  level: text(LEVELS),
  text: text(CONSOLE_TEXTS, 0.5),
  ms: quantity(MS, MS_IDIOMS),
  timeoutMs: quantity(MS, MS_IDIOMS),
  name: text(PACKAGES),
  path: text([...FILES, ...DIRS], 0.1),
  data: text(CONSOLE_TEXTS, 0.8),
  bytes: quantity(BYTES),
  megabytes: quantity(MEGABYTES),
  binary: text(BINARIES),
  args: programArgs,
  pid: integerBetween(100, 40_000),
  signal: text(SIGNALS),
  niceness,
  event: text(EVENTS),
  detail: text(DETAILS, 1),
  user: text(USERS),
  groups: textList(GROUPS),
  group: text(GROUPS),
  shell: text(SHELLS),
  model: text(MODELS),
  threads: integer([1, 2, 4, 6, 8, 12, 16]),
  texts: textList(EMBED_TEXTS),
  first: text(EMBED_TEXTS, 1),
  second: text(EMBED_TEXTS, 1),
  prompt: text(PROMPTS, 1),
  maxTokens: integer([32, 64, 100, 128, 200, 256, 512]),
  temperature: floatOf([0, 0.2, 0.5, 0.7, 0.8, 1, 1.2]),
  words: integer([20, 30, 50, 100, 150, 200]),
  names: textList(PACKAGES),
  query: text(QUERIES, 0.6),
  label: text(LABELS),
  keep: integer([1, 2, 3, 5, 7, 10, 14, 30]),
  minutes: quantity(MINUTES, MINUTES_IDIOMS),
  destination: text(DIRS),
  hostname: text(HOSTS, 0.05),
  domain: text(DOMAINS, 0.05),
  recordType: text(RECORD_TYPES),
  servers: textList(IPS, 2),
  recipients: textList(EMAILS, 2),
  subject: text(SUBJECTS, 1),
  body: text(BODIES, 1),
  folder: text(FOLDERS),
  messageId: integerBetween(1, 99_999),
  device: text(DEVICES),
  port: integer([22, 25, 53, 80, 123, 443, 3000, 5432, 6379, 8080, 8443, 9000]),
  protocol: text(PROTOCOLS),
  url: text(URLS, 0.1),
  zone: text(ZONES),
  server: text(TIME_SERVERS),
  offsetMs,
  delaySeconds: quantity(SECONDS, SECONDS_IDIOMS),
  command: text(COMMANDS, 1),
  certificate: base64,
  metric: text(METRICS),
  capability: text(CAPABILITIES),
  channel: text(CHANNELS),
  fan: text(FANS),
  percent,
};

/** The value kind of a tool param; throws for a param no kind covers so a new catalog param cannot be skipped. */
export function valueKindFor(tool: string, param: string): ValueKind {
  const iface = tool.slice(0, tool.indexOf('.'));
  const kind = BY_TOOL_PARAM[`${tool}.${param}`] ?? BY_INTERFACE_PARAM[`${iface}.${param}`] ?? BY_PARAM[param];
  if (!kind) throw new Error(`no value kind for ${tool} param ${param}`);
  return kind;
}
