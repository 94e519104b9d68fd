import type { ValueKindName } from './values.js';

/**
 * The words synthetic tools are made of: things (entities) across many domains, what can be read or
 * set on them (attributes), and which on/off actions they have (toggles). Written for this generator,
 * not taken from any evaluation set; the catalog's held-out interfaces (certificates, fans, jobs,
 * mail) are left out on purpose so val_unseen stays unseen.
 */

export interface Attribute {
  /** How goals and descriptions name it: "brightness", "refresh interval". */
  noun: string;
  kind: ValueKindName;
  /** Param names for it (lowerCamel); a duration or size may get a unit suffix (values.ts). */
  params: readonly string[];
  /** Read-only attributes get no setter. */
  readOnly?: boolean;
}

export interface Entity {
  noun: string;
  plural: string;
  /** PascalCase stems for interface names ("Lamp", "Lighting"). */
  stems: readonly string[];
  /** How one is named, and the param names that name it. */
  id: ValueKindName;
  idParams: readonly string[];
  attrs: readonly Attribute[];
  /** On/off action pairs it has (see TOGGLES). */
  toggles: readonly ToggleName[];
  /** Extra verbs: can be created/deleted, sent a message, searched, restarted, moved. */
  verbs: readonly ExtraVerb[];
}

export type ExtraVerb = 'create' | 'delete' | 'send' | 'search' | 'restart' | 'move' | 'copy' | 'reset' | 'count';

export interface ToggleSide {
  methods: readonly string[];
  /** Third-person description verbs ("Turns … on"): `{x}` is the object phrase. */
  describe: readonly string[];
  /** Imperative goal forms: `{x}` is the mention of the thing. */
  say: readonly string[];
  /** Bare verbs for "do not …" and gerunds. */
  verb: string;
}

export const TOGGLES = {
  power: [
    { methods: ['turnOn', 'powerOn', 'switchOn'], describe: ['Turns {x} on.', 'Switches {x} on.', 'Powers up {x}.'], say: ['turn on {x}', 'switch {x} on', 'power up {x}', 'turn {x} on'], verb: 'turn on' },
    { methods: ['turnOff', 'powerOff', 'switchOff'], describe: ['Turns {x} off.', 'Switches {x} off.', 'Powers down {x}.'], say: ['turn off {x}', 'switch {x} off', 'power down {x}', 'shut off {x}'], verb: 'turn off' },
  ],
  run: [
    { methods: ['start', 'launch', 'run'], describe: ['Starts {x}.', 'Launches {x}.', 'Brings {x} up.'], say: ['start {x}', 'launch {x}', 'bring up {x}', 'fire up {x}', 'get {x} running'], verb: 'start' },
    { methods: ['stop', 'halt', 'shutdown'], describe: ['Stops {x}.', 'Halts {x}.', 'Shuts {x} down.'], say: ['stop {x}', 'halt {x}', 'shut down {x}', 'bring down {x}'], verb: 'stop' },
  ],
  lock: [
    { methods: ['lock', 'secure'], describe: ['Locks {x}.', 'Engages the lock of {x}.'], say: ['lock {x}', 'secure {x}'], verb: 'lock' },
    { methods: ['unlock', 'release'], describe: ['Unlocks {x}.', 'Releases the lock of {x}.'], say: ['unlock {x}', 'release the lock on {x}'], verb: 'unlock' },
  ],
  open: [
    { methods: ['open', 'raise'], describe: ['Opens {x}.', 'Opens {x} fully.'], say: ['open {x}', 'raise {x}'], verb: 'open' },
    { methods: ['close', 'lower'], describe: ['Closes {x}.', 'Shuts {x}.'], say: ['close {x}', 'shut {x}', 'lower {x}'], verb: 'close' },
  ],
  enable: [
    { methods: ['enable', 'activate'], describe: ['Enables {x}.', 'Activates {x}.'], say: ['enable {x}', 'activate {x}', 'switch on {x}'], verb: 'enable' },
    { methods: ['disable', 'deactivate'], describe: ['Disables {x}.', 'Deactivates {x}.'], say: ['disable {x}', 'deactivate {x}', 'switch off {x}'], verb: 'disable' },
  ],
  pause: [
    { methods: ['pause', 'suspend', 'freeze'], describe: ['Pauses {x}.', 'Suspends {x} until it is resumed.'], say: ['pause {x}', 'suspend {x}', 'put {x} on hold'], verb: 'pause' },
    { methods: ['resume', 'unpause', 'continue'], describe: ['Resumes {x}.', 'Continues {x} after a pause.'], say: ['resume {x}', 'unpause {x}', 'continue {x}'], verb: 'resume' },
  ],
  mount: [
    { methods: ['mount', 'attach'], describe: ['Mounts {x}.', 'Attaches {x} so it can be used.'], say: ['mount {x}', 'attach {x}'], verb: 'mount' },
    { methods: ['unmount', 'detach', 'eject'], describe: ['Unmounts {x}.', 'Detaches {x} safely.'], say: ['unmount {x}', 'detach {x}', 'eject {x}'], verb: 'unmount' },
  ],
  connect: [
    { methods: ['connect', 'join', 'pair'], describe: ['Connects to {x}.', 'Joins {x}.'], say: ['connect to {x}', 'join {x}', 'pair with {x}'], verb: 'connect to' },
    { methods: ['disconnect', 'leave', 'unpair'], describe: ['Disconnects from {x}.', 'Leaves {x}.'], say: ['disconnect from {x}', 'leave {x}', 'drop the connection to {x}'], verb: 'disconnect from' },
  ],
  arm: [
    { methods: ['arm', 'activate'], describe: ['Arms {x}.'], say: ['arm {x}', 'switch {x} to armed'], verb: 'arm' },
    { methods: ['disarm', 'deactivate'], describe: ['Disarms {x}.'], say: ['disarm {x}', 'switch {x} off guard'], verb: 'disarm' },
  ],
  mute: [
    { methods: ['mute', 'silence'], describe: ['Mutes {x}.', 'Silences {x}.'], say: ['mute {x}', 'silence {x}'], verb: 'mute' },
    { methods: ['unmute'], describe: ['Unmutes {x}.', 'Restores the sound of {x}.'], say: ['unmute {x}', 'turn the sound of {x} back on'], verb: 'unmute' },
  ],
  block: [
    { methods: ['block', 'ban', 'deny'], describe: ['Blocks {x}.', 'Bans {x} from access.'], say: ['block {x}', 'ban {x}', 'deny access to {x}'], verb: 'block' },
    { methods: ['unblock', 'unban', 'allow'], describe: ['Unblocks {x}.', 'Lifts the ban on {x}.'], say: ['unblock {x}', 'unban {x}', 'allow {x} again'], verb: 'unblock' },
  ],
  subscribe: [
    { methods: ['subscribe', 'follow', 'watch'], describe: ['Subscribes to {x}.', 'Follows {x} for updates.'], say: ['subscribe to {x}', 'follow {x}', 'watch {x}'], verb: 'subscribe to' },
    { methods: ['unsubscribe', 'unfollow', 'unwatch'], describe: ['Unsubscribes from {x}.', 'Stops following {x}.'], say: ['unsubscribe from {x}', 'unfollow {x}', 'stop watching {x}'], verb: 'unsubscribe from' },
  ],
  approve: [
    { methods: ['approve', 'accept'], describe: ['Approves {x}.', 'Accepts {x}.'], say: ['approve {x}', 'accept {x}', 'sign off on {x}'], verb: 'approve' },
    { methods: ['reject', 'decline'], describe: ['Rejects {x}.', 'Declines {x}.'], say: ['reject {x}', 'decline {x}', 'turn down {x}'], verb: 'reject' },
  ],
  publish: [
    { methods: ['publish', 'release'], describe: ['Publishes {x}.', 'Makes {x} public.'], say: ['publish {x}', 'make {x} public', 'release {x}'], verb: 'publish' },
    { methods: ['unpublish', 'retract', 'withdraw'], describe: ['Unpublishes {x}.', 'Withdraws {x} from public view.'], say: ['unpublish {x}', 'withdraw {x}', 'take {x} down'], verb: 'unpublish' },
  ],
  play: [
    { methods: ['play', 'start'], describe: ['Plays {x}.', 'Starts playback of {x}.'], say: ['play {x}', 'put on {x}', 'start playing {x}'], verb: 'play' },
    { methods: ['stop', 'pausePlayback'], describe: ['Stops playback of {x}.'], say: ['stop playing {x}', 'stop {x}'], verb: 'stop' },
  ],
} satisfies Record<string, readonly [ToggleSide, ToggleSide]>;

export type ToggleName = keyof typeof TOGGLES;

const a = (noun: string, kind: ValueKindName, params: readonly string[], readOnly = false): Attribute => ({ noun, kind, params, readOnly });
const status = a('status', 'mode', ['status', 'state'], true);

interface EntityInput {
  noun: string;
  plural?: string;
  stems: readonly string[];
  id?: ValueKindName;
  idParams?: readonly string[];
  attrs?: readonly Attribute[];
  toggles?: readonly ToggleName[];
  verbs?: readonly ExtraVerb[];
}

function entity(e: EntityInput): Entity {
  const camel = e.noun.replace(/ (\w)/g, (_m, c: string) => c.toUpperCase());
  return {
    noun: e.noun,
    plural: e.plural ?? `${e.noun}s`,
    stems: e.stems,
    id: e.id ?? 'slug',
    idParams: e.idParams ?? [camel, 'name', `${camel}Id`, 'id', `${camel}Name`],
    attrs: e.attrs ?? [],
    toggles: e.toggles ?? [],
    verbs: e.verbs ?? [],
  };
}

export const ENTITIES: readonly Entity[] = [
  // Operating system and infrastructure.
  entity({ noun: 'service', stems: ['Service', 'Daemon', 'Unit'], attrs: [status, a('restart limit', 'smallCount', ['restartLimit', 'maxRestarts']), a('memory limit', 'size', ['memoryLimit', 'memLimit'])], toggles: ['run', 'enable'], verbs: ['restart'] }),
  entity({ noun: 'process', plural: 'processes', stems: ['Process', 'Task'], id: 'bigId', idParams: ['pid', 'processId', 'id'], attrs: [a('priority', 'offset', ['priority', 'niceness', 'nice']), a('memory usage', 'size', ['memoryUsage', 'rss'], true), a('cpu usage', 'percent', ['cpuUsage', 'cpu'], true)], toggles: ['pause'], verbs: ['count'] }),
  entity({ noun: 'volume', stems: ['Volume', 'Storage', 'Disk'], attrs: [a('size', 'size', ['size', 'capacity']), a('free space', 'size', ['freeSpace', 'available'], true), a('label', 'slug', ['label'])], toggles: ['mount'], verbs: ['create', 'delete'] }),
  entity({ noun: 'network interface', stems: ['Interface', 'Link', 'Nic'], idParams: ['iface', 'interface', 'link', 'name', 'device'], attrs: [a('address', 'ip', ['address', 'ip', 'ipAddress']), a('mtu', 'count', ['mtu']), a('speed', 'count', ['speedMbps', 'speed'], true)], toggles: ['enable'], verbs: ['reset'] }),
  entity({ noun: 'route', stems: ['Route', 'Routing'], id: 'ip', idParams: ['destination', 'target', 'prefix'], attrs: [a('gateway', 'ip', ['gateway', 'via', 'nextHop']), a('metric', 'smallCount', ['metric', 'weight'])], verbs: ['create', 'delete', 'count'] }),
  entity({ noun: 'port', stems: ['Port', 'Firewall', 'Gate'], id: 'port', idParams: ['port', 'number', 'portNumber'], attrs: [a('protocol', 'mode', ['protocol', 'proto'])], toggles: ['block'], verbs: [] }),
  entity({ noun: 'user', stems: ['User', 'Account', 'Identity'], id: 'person', idParams: ['user', 'username', 'login', 'account', 'userId'], attrs: [a('shell', 'path', ['shell', 'loginShell']), a('quota', 'size', ['quota', 'diskQuota']), a('display name', 'fullName', ['displayName', 'fullName']), a('last login', 'date', ['lastLogin'], true)], toggles: ['lock', 'block'], verbs: ['create', 'delete', 'count'] }),
  entity({ noun: 'group', stems: ['Group', 'Team', 'Role'], attrs: [a('members', 'people', ['members', 'users']), a('description', 'phrase', ['description', 'summary'])], verbs: ['create', 'delete', 'count'] }),
  entity({ noun: 'file', stems: ['File', 'Document', 'Blob'], id: 'path', idParams: ['path', 'file', 'filePath', 'filename', 'location'], attrs: [a('owner', 'person', ['owner', 'user']), a('size', 'size', ['size', 'length'], true), a('permissions', 'code', ['mode', 'permissions'])], verbs: ['delete', 'move', 'copy', 'create'] }),
  entity({ noun: 'folder', stems: ['Folder', 'Directory', 'Dir'], id: 'path', idParams: ['path', 'folder', 'dir', 'directory'], attrs: [a('owner', 'person', ['owner']), a('item count', 'count', ['itemCount', 'entries'], true)], verbs: ['create', 'delete', 'move', 'copy', 'count'] }),
  entity({ noun: 'package', stems: ['Package', 'Pkg', 'Module'], idParams: ['package', 'name', 'pkg', 'packageName'], attrs: [a('version', 'version', ['version', 'release'])], verbs: ['create', 'delete', 'search'] }),
  entity({ noun: 'container', stems: ['Container', 'Pod', 'Sandbox'], attrs: [status, a('cpu limit', 'percent', ['cpuLimit', 'cpuQuota']), a('memory limit', 'size', ['memoryLimit', 'memory']), a('image', 'slug', ['image', 'imageName'])], toggles: ['run', 'pause'], verbs: ['restart', 'delete', 'create', 'count'] }),
  entity({ noun: 'virtual machine', stems: ['Vm', 'VirtualMachine', 'Guest', 'Instance'], idParams: ['vm', 'name', 'instance', 'instanceId', 'machine'], attrs: [status, a('cpu count', 'smallCount', ['cpus', 'vcpus', 'cpuCount']), a('memory size', 'size', ['memory', 'ram'])], toggles: ['run', 'pause'], verbs: ['restart', 'create', 'delete'] }),
  entity({ noun: 'snapshot', stems: ['Snapshot', 'Checkpoint'], attrs: [a('creation date', 'date', ['created', 'createdAt'], true), a('retention', 'duration', ['retention', 'keepFor'])], verbs: ['create', 'delete', 'count'] }),
  entity({ noun: 'backup', stems: ['Backup', 'Archive', 'Vault'], idParams: ['backup', 'label', 'name', 'backupId'], attrs: [a('size', 'size', ['size'], true), a('retention', 'duration', ['retention', 'ttl'])], verbs: ['create', 'delete', 'count'] }),
  entity({ noun: 'log', stems: ['Log', 'Journal', 'Logs'], idParams: ['log', 'source', 'name', 'stream'], attrs: [a('level', 'level', ['level', 'logLevel', 'verbosity']), a('retention', 'duration', ['retention', 'maxAge'])], toggles: ['enable'], verbs: ['search', 'reset'] }),
  entity({ noun: 'printer', stems: ['Printer', 'Print'], attrs: [status, a('toner level', 'percent', ['toner', 'tonerLevel'], true), a('paper size', 'mode', ['paperSize', 'paper'])], toggles: ['pause', 'power'], verbs: ['reset'] }),
  entity({ noun: 'display', stems: ['Display', 'Screen', 'Monitor'], attrs: [a('brightness', 'percent', ['brightness', 'level']), a('resolution', 'code', ['resolution', 'mode']), a('refresh rate', 'smallCount', ['refreshRate', 'hz'])], toggles: ['power'] }),
  entity({ noun: 'battery', plural: 'batteries', stems: ['Battery', 'Power', 'Ups'], attrs: [a('charge', 'percent', ['charge', 'level', 'percent'], true), a('charge limit', 'percent', ['chargeLimit', 'maxCharge']), a('health', 'percent', ['health'], true)], toggles: [] }),
  entity({ noun: 'sensor', stems: ['Sensor', 'Probe', 'Meter'], attrs: [a('reading', 'temperature', ['reading', 'value'], true), a('sampling interval', 'duration', ['interval', 'period', 'samplingInterval']), a('alert threshold', 'temperature', ['threshold', 'limit'])], toggles: ['enable'], verbs: ['reset'] }),
  entity({ noun: 'timer', stems: ['Timer', 'Countdown', 'Stopwatch'], attrs: [a('duration', 'duration', ['duration', 'length']), a('remaining time', 'duration', ['remaining'], true)], toggles: ['run', 'pause'], verbs: ['create', 'delete', 'reset'] }),
  entity({ noun: 'alarm', stems: ['Alarm', 'Wakeup'], attrs: [a('time', 'time', ['time', 'at']), a('snooze length', 'duration', ['snooze', 'snoozeLength'])], toggles: ['enable'], verbs: ['create', 'delete'] }),
  entity({ noun: 'cache', stems: ['Cache', 'Store'], attrs: [a('size limit', 'size', ['maxSize', 'limit']), a('hit rate', 'percent', ['hitRate'], true), a('entry lifetime', 'duration', ['ttl', 'expiry'])], toggles: ['enable'], verbs: ['reset'] }),
  entity({ noun: 'queue', stems: ['Queue', 'Broker', 'Mq'], attrs: [a('length', 'count', ['length', 'depth'], true), a('max length', 'count', ['maxLength', 'capacity'])], toggles: ['pause'], verbs: ['create', 'delete', 'send', 'reset'] }),
  entity({ noun: 'database', stems: ['Database', 'Db', 'Sql'], idParams: ['database', 'db', 'name', 'schema'], attrs: [a('connection limit', 'count', ['maxConnections', 'connectionLimit']), a('size', 'size', ['size'], true)], toggles: ['run'], verbs: ['create', 'delete', 'restart'] }),
  entity({ noun: 'table', stems: ['Table', 'Dataset'], attrs: [a('row count', 'count', ['rows', 'rowCount'], true), a('owner', 'person', ['owner'])], verbs: ['create', 'delete', 'search', 'count', 'copy'] }),
  entity({ noun: 'bucket', stems: ['Bucket', 'ObjectStore', 'Blob'], attrs: [a('region', 'region', ['region', 'location']), a('quota', 'size', ['quota'])], toggles: ['publish'], verbs: ['create', 'delete', 'count'] }),
  entity({ noun: 'cluster', stems: ['Cluster', 'Fleet', 'Pool'], attrs: [a('node count', 'smallCount', ['nodes', 'size', 'replicas']), a('region', 'region', ['region']), a('version', 'version', ['version'])], verbs: ['create', 'delete'] }),
  entity({ noun: 'deployment', stems: ['Deployment', 'Rollout', 'Release'], attrs: [a('replica count', 'smallCount', ['replicas', 'instances']), a('version', 'version', ['version', 'tag']), status], toggles: ['pause'], verbs: ['restart', 'create', 'delete'] }),
  entity({ noun: 'branch', plural: 'branches', stems: ['Branch', 'Repo', 'Git'], attrs: [a('head commit', 'hexId', ['head', 'commit'], true), a('protection', 'flag', ['protected'])], verbs: ['create', 'delete', 'search'] }),
  entity({ noun: 'build', stems: ['Build', 'Pipeline', 'Ci'], id: 'bigId', idParams: ['build', 'buildId', 'number', 'id'], attrs: [status, a('duration', 'duration', ['duration'], true)], toggles: ['run'], verbs: ['restart', 'count'] }),
  entity({ noun: 'ticket', stems: ['Ticket', 'Issue', 'Tracker'], id: 'code', idParams: ['ticket', 'ticketId', 'key', 'id'], attrs: [a('assignee', 'person', ['assignee', 'owner']), a('priority', 'level', ['priority', 'severity']), status], verbs: ['create', 'delete', 'search', 'count'] }),
  entity({ noun: 'domain', stems: ['Domain', 'Dns', 'Zone'], id: 'host', idParams: ['domain', 'hostname', 'name', 'fqdn'], attrs: [a('address', 'ip', ['address', 'target', 'ip']), a('record lifetime', 'duration', ['ttl'])], verbs: ['create', 'delete'] }),
  entity({ noun: 'secret', stems: ['Secret', 'Credential', 'Token'], attrs: [a('value', 'hexId', ['value', 'secret']), a('expiry date', 'date', ['expires', 'expiry'])], verbs: ['create', 'delete', 'count'] }),
  entity({ noun: 'session', stems: ['Session', 'Login'], id: 'hexId', idParams: ['session', 'sessionId', 'token', 'id'], attrs: [a('user', 'person', ['user', 'owner'], true), a('idle timeout', 'duration', ['idleTimeout', 'timeout'])], verbs: ['delete', 'count'] }),
  entity({ noun: 'webhook', stems: ['Webhook', 'Hook', 'Callback'], attrs: [a('target url', 'url', ['url', 'endpoint', 'target']), a('retry count', 'smallCount', ['retries', 'maxRetries'])], toggles: ['enable'], verbs: ['create', 'delete', 'send'] }),
  entity({ noun: 'schedule', stems: ['Schedule', 'Cron', 'Calendar'], attrs: [a('interval', 'duration', ['interval', 'every', 'period']), a('start time', 'time', ['startTime', 'at'])], toggles: ['pause', 'enable'], verbs: ['create', 'delete'] }),
  // Home and devices.
  entity({ noun: 'lamp', stems: ['Lamp', 'Light', 'Lighting'], idParams: ['lamp', 'light', 'name', 'room', 'lampId'], attrs: [a('brightness', 'percent', ['brightness', 'level', 'dim']), a('color', 'color', ['color', 'colour', 'hue'])], toggles: ['power'] }),
  entity({ noun: 'thermostat', stems: ['Thermostat', 'Climate', 'Heating', 'Hvac'], idParams: ['thermostat', 'room', 'zone', 'name'], attrs: [a('target temperature', 'temperature', ['target', 'setpoint', 'temperature', 'celsius']), a('mode', 'mode', ['mode']), a('current temperature', 'temperature', ['current', 'reading'], true), a('humidity', 'percent', ['humidity'], true)], toggles: ['power'] }),
  entity({ noun: 'door', stems: ['Door', 'Entry', 'Gate'], idParams: ['door', 'name', 'doorId', 'entrance'], attrs: [status, a('auto-lock delay', 'duration', ['autoLock', 'lockDelay'])], toggles: ['lock', 'open'] }),
  entity({ noun: 'camera', stems: ['Camera', 'Cam', 'Surveillance'], attrs: [a('resolution', 'code', ['resolution']), a('recording length', 'duration', ['clipLength', 'recordFor']), a('zoom', 'percent', ['zoom'])], toggles: ['power', 'arm'], verbs: [] }),
  entity({ noun: 'speaker', stems: ['Speaker', 'Audio', 'Sound'], idParams: ['speaker', 'room', 'device', 'name'], attrs: [a('volume', 'percent', ['volume', 'level', 'loudness']), a('equalizer preset', 'mode', ['preset', 'eq'])], toggles: ['mute', 'power'] }),
  entity({ noun: 'window blind', stems: ['Blind', 'Shade', 'Shutter', 'Curtain'], idParams: ['blind', 'window', 'room', 'name'], attrs: [a('position', 'percent', ['position', 'openness', 'level'])], toggles: ['open'] }),
  entity({ noun: 'sprinkler', stems: ['Sprinkler', 'Irrigation', 'Garden'], idParams: ['zone', 'sprinkler', 'area', 'name'], attrs: [a('watering duration', 'duration', ['duration', 'runTime']), a('moisture', 'percent', ['moisture'], true)], toggles: ['run', 'enable'] }),
  entity({ noun: 'alarm system', stems: ['Security', 'AlarmPanel', 'Guard'], idParams: ['area', 'zone', 'system', 'name'], attrs: [a('exit delay', 'duration', ['exitDelay', 'delay']), status], toggles: ['arm'] }),
  entity({ noun: 'robot vacuum', stems: ['Vacuum', 'Robot', 'Cleaner'], idParams: ['robot', 'device', 'name', 'vacuum'], attrs: [a('suction power', 'percent', ['suction', 'power']), a('battery level', 'percent', ['battery'], true), a('cleaning mode', 'mode', ['mode'])], toggles: ['run', 'pause'] }),
  entity({ noun: 'oven', stems: ['Oven', 'Kitchen', 'Stove'], idParams: ['oven', 'appliance', 'name'], attrs: [a('temperature', 'temperature', ['temperature', 'heat', 'celsius']), a('cooking time', 'duration', ['duration', 'timer', 'cookTime'])], toggles: ['power'] }),
  entity({ noun: 'plug', stems: ['Plug', 'Outlet', 'Socket', 'Switch'], idParams: ['plug', 'outlet', 'name', 'socket'], attrs: [a('power draw', 'count', ['watts', 'powerDraw'], true), a('auto-off timer', 'duration', ['autoOff', 'offAfter'])], toggles: ['power'] }),
  entity({ noun: 'car', stems: ['Car', 'Vehicle', 'Ev'], idParams: ['car', 'vehicle', 'name', 'plate'], attrs: [a('charge limit', 'percent', ['chargeLimit', 'limit']), a('cabin temperature', 'temperature', ['cabinTemp', 'temperature']), a('range', 'count', ['rangeKm', 'range'], true)], toggles: ['lock'], verbs: [] }),
  // Media and communication.
  entity({ noun: 'playlist', stems: ['Playlist', 'Music', 'Library'], attrs: [a('track count', 'count', ['tracks', 'trackCount'], true), a('description', 'phrase', ['description'])], toggles: ['play', 'publish'], verbs: ['create', 'delete', 'search', 'copy'] }),
  entity({ noun: 'song', stems: ['Song', 'Track', 'Music'], id: 'phrase', idParams: ['title', 'song', 'track', 'name'], attrs: [a('rating', 'smallCount', ['rating', 'stars'])], toggles: ['play'], verbs: ['search'] }),
  entity({ noun: 'podcast', stems: ['Podcast', 'Feed', 'Show'], attrs: [a('playback speed', 'percent', ['speed', 'rate'])], toggles: ['subscribe', 'play'], verbs: ['search'] }),
  entity({ noun: 'channel', stems: ['Channel', 'Chat', 'Room'], idParams: ['channel', 'room', 'name', 'channelId'], attrs: [a('topic', 'phrase', ['topic', 'subject']), a('member limit', 'count', ['maxMembers', 'limit'])], toggles: ['mute', 'subscribe'], verbs: ['create', 'delete', 'send', 'search'] }),
  entity({ noun: 'contact', stems: ['Contact', 'AddressBook', 'People'], id: 'fullName', idParams: ['contact', 'name', 'person'], attrs: [a('phone number', 'phone', ['phone', 'number', 'mobile']), a('email address', 'email', ['email', 'address'])], toggles: ['block'], verbs: ['create', 'delete', 'search', 'send', 'count'] }),
  entity({ noun: 'meeting', stems: ['Meeting', 'Calendar', 'Event', 'Agenda'], id: 'phrase', idParams: ['title', 'meeting', 'name', 'subject'], attrs: [a('start time', 'time', ['start', 'startTime', 'at']), a('date', 'date', ['date', 'day']), a('duration', 'duration', ['duration', 'length']), a('attendees', 'people', ['attendees', 'guests', 'invitees'])], verbs: ['create', 'delete', 'search', 'count'] }),
  entity({ noun: 'reminder', stems: ['Reminder', 'Todo', 'Notes'], id: 'phrase', idParams: ['text', 'title', 'reminder', 'note'], attrs: [a('due date', 'date', ['due', 'dueDate', 'date']), a('time', 'time', ['time', 'at'])], verbs: ['create', 'delete', 'count'] }),
  entity({ noun: 'note', stems: ['Note', 'Notebook', 'Memo'], id: 'phrase', idParams: ['title', 'note', 'name'], attrs: [a('body', 'phrase', ['body', 'text', 'content']), a('tags', 'tags', ['tags', 'labels'])], verbs: ['create', 'delete', 'search', 'copy'] }),
  entity({ noun: 'photo', stems: ['Photo', 'Gallery', 'Album', 'Image'], id: 'path', idParams: ['photo', 'file', 'path', 'image'], attrs: [a('caption', 'phrase', ['caption', 'title']), a('tags', 'tags', ['tags'])], toggles: ['publish'], verbs: ['delete', 'search', 'copy', 'move'] }),
  entity({ noun: 'video', stems: ['Video', 'Clip', 'Stream'], id: 'phrase', idParams: ['title', 'video', 'clip'], attrs: [a('volume', 'percent', ['volume']), a('quality', 'mode', ['quality'])], toggles: ['play', 'publish'], verbs: ['search', 'delete'] }),
  entity({ noun: 'phone call', stems: ['Call', 'Phone', 'Dialer'], id: 'phone', idParams: ['number', 'phone', 'to', 'callee'], attrs: [a('duration', 'duration', ['duration'], true)], toggles: ['connect', 'mute'] }),
  entity({ noun: 'newsletter', stems: ['Newsletter', 'Digest', 'Bulletin'], attrs: [a('subscriber count', 'count', ['subscribers'], true), a('frequency', 'mode', ['frequency'])], toggles: ['subscribe', 'publish'], verbs: ['send', 'create'] }),
  // Commerce, travel, work.
  entity({ noun: 'order', stems: ['Order', 'Shop', 'Store', 'Checkout'], id: 'code', idParams: ['order', 'orderId', 'id', 'reference'], attrs: [status, a('quantity', 'smallCount', ['quantity', 'qty', 'count']), a('shipping address', 'phrase', ['address', 'shipTo'])], toggles: ['approve'], verbs: ['create', 'delete', 'search', 'count'] }),
  entity({ noun: 'product', stems: ['Product', 'Catalog', 'Inventory', 'Item'], id: 'code', idParams: ['sku', 'product', 'productId', 'item'], attrs: [a('price', 'money', ['price', 'cost', 'amount']), a('stock level', 'count', ['stock', 'inventory', 'quantity'])], toggles: ['publish'], verbs: ['create', 'delete', 'search', 'count'] }),
  entity({ noun: 'invoice', stems: ['Invoice', 'Billing', 'Ledger'], id: 'code', idParams: ['invoice', 'invoiceId', 'number'], attrs: [a('amount', 'money', ['amount', 'total']), a('due date', 'date', ['due', 'dueDate']), a('currency', 'currency', ['currency'])], toggles: ['approve'], verbs: ['create', 'delete', 'send', 'search'] }),
  entity({ noun: 'payment', stems: ['Payment', 'Wallet', 'Transfer', 'Pay'], id: 'hexId', idParams: ['payment', 'paymentId', 'transaction', 'id'], attrs: [a('amount', 'money', ['amount', 'value']), a('currency', 'currency', ['currency']), status], toggles: ['approve'], verbs: ['create', 'search'] }),
  entity({ noun: 'shipment', stems: ['Shipment', 'Parcel', 'Delivery', 'Tracking'], id: 'code', idParams: ['tracking', 'trackingNumber', 'shipment', 'parcel'], attrs: [status, a('delivery date', 'date', ['eta', 'deliveryDate'], true), a('address', 'phrase', ['address', 'destination'])], toggles: ['pause'], verbs: ['create', 'search'] }),
  entity({ noun: 'flight', stems: ['Flight', 'Airline', 'Travel'], id: 'code', idParams: ['flight', 'flightNumber', 'code'], attrs: [status, a('departure time', 'time', ['departure', 'departs'], true), a('seat', 'code', ['seat'])], verbs: ['search', 'create', 'delete'] }),
  entity({ noun: 'hotel booking', stems: ['Hotel', 'Booking', 'Reservation', 'Stay'], id: 'code', idParams: ['booking', 'reservation', 'bookingId', 'confirmation'], attrs: [a('check-in date', 'date', ['checkIn', 'arrival']), a('night count', 'smallCount', ['nights']), a('guest count', 'smallCount', ['guests', 'people'])], verbs: ['create', 'delete', 'search'] }),
  entity({ noun: 'city', plural: 'cities', stems: ['Weather', 'Forecast', 'Climate', 'Meteo'], id: 'city', idParams: ['city', 'location', 'place', 'town'], attrs: [a('temperature', 'temperature', ['temperature', 'temp'], true), a('rain chance', 'percent', ['rainChance', 'precipitation'], true), a('wind speed', 'count', ['wind', 'windSpeed'], true)], verbs: ['search'] }),
  entity({ noun: 'stock', stems: ['Stock', 'Market', 'Ticker', 'Portfolio'], id: 'symbol', idParams: ['symbol', 'ticker', 'stock'], attrs: [a('price', 'money', ['price', 'quote'], true), a('price alert', 'money', ['alert', 'alertPrice', 'threshold'])], toggles: ['subscribe'], verbs: ['search'] }),
  entity({ noun: 'document', stems: ['Document', 'Doc', 'Drive', 'Files'], id: 'phrase', idParams: ['title', 'document', 'doc', 'name'], attrs: [a('owner', 'person', ['owner']), a('language', 'languageCode', ['language', 'lang']), a('word count', 'count', ['words'], true)], toggles: ['publish', 'lock'], verbs: ['create', 'delete', 'search', 'copy', 'move', 'send'] }),
  entity({ noun: 'project', stems: ['Project', 'Workspace', 'Board'], attrs: [a('owner', 'person', ['owner', 'lead']), a('deadline', 'date', ['deadline', 'due']), a('budget', 'money', ['budget'])], toggles: ['publish'], verbs: ['create', 'delete', 'search', 'count'] }),
  entity({ noun: 'employee', stems: ['Employee', 'Staff', 'Hr', 'Personnel'], id: 'fullName', idParams: ['employee', 'name', 'person', 'employeeName'], attrs: [a('manager', 'fullName', ['manager']), a('vacation days', 'smallCount', ['vacationDays', 'leave']), a('team', 'slug', ['team', 'department'])], verbs: ['create', 'delete', 'search', 'count'] }),
  entity({ noun: 'translation', stems: ['Translator', 'Translation', 'Language'], id: 'phrase', idParams: ['text', 'source', 'phrase', 'input'], attrs: [a('target language', 'language', ['target', 'to', 'language'])], verbs: [] }),
  entity({ noun: 'workout', stems: ['Workout', 'Fitness', 'Training'], id: 'slug', idParams: ['workout', 'name', 'plan'], attrs: [a('duration', 'duration', ['duration', 'length']), a('repetitions', 'smallCount', ['reps', 'repetitions'])], verbs: ['create', 'delete', 'count'] }),
  entity({ noun: 'recipe', stems: ['Recipe', 'Cookbook', 'Meal'], id: 'phrase', idParams: ['recipe', 'dish', 'name', 'title'], attrs: [a('serving count', 'smallCount', ['servings', 'portions']), a('cooking time', 'duration', ['cookTime', 'duration'])], verbs: ['search', 'create', 'delete'] }),
];
