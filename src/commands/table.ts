import type { NativeInvocation } from '../cli/invocation.js';
import type { Runtime } from '../runtime.js';

/** A command of the native front: runs, writes through the runtime, returns the exit code; throws typed errors. */
export type CommandHandler = (invocation: NativeInvocation, runtime: Runtime) => Promise<number>;

/** table: for people (a boxed table, or one line per event for watch); the rest for programs */
export const NATIVE_FORMATS = ['table', 'json', 'ndjson', 'yaml', 'csv'] as const;
export type NativeFormat = (typeof NATIVE_FORMATS)[number];

/** An option of one command, as commander takes it. */
export interface OptionSpec {
  /** commander's flags: `--sample <ms>`, `-d, --delay <secs>`, `--yes` */
  readonly flags: string;
  readonly description: string;
  /** may be given more than once (values collected in order) */
  readonly repeatable?: boolean;
}

/**
 * An entry of the command table. `sessions`: the command reads the sessions
 * (the --user, --collector, --input and path options, and the filters);
 * `formats`: the --output formats it writes, the first its default on a
 * terminal, the second off one (undefined: no --output).
 */
export interface CommandEntry {
  readonly summary: string;
  /** the words after `ftpsessions NAME` in the usage line */
  readonly usage: string;
  readonly sessions: boolean;
  readonly filters: boolean;
  readonly formats: readonly [NativeFormat, NativeFormat, ...NativeFormat[]] | undefined;
  readonly options: readonly OptionSpec[];
  /** words after the command name (`token create`): commander's `<name>`/`[name]`, and what each is */
  readonly arguments?: ReadonlyArray<{ readonly name: string; readonly description: string }>;
  /**
   * A monitoring plugin (check): every failure, bad arguments and bugs
   * included, is one line `LABEL UNKNOWN - why` on stdout and exit 3.
   */
  readonly plugin?: { readonly label: string };
  /** more help text, after the options */
  readonly help?: string;
  readonly load: () => Promise<CommandHandler>;
}

/**
 * The native front's commands, each loaded only when run. `action` (the
 * JSON action API) is not here: it has a dialect of its own (cli/parse.ts)
 * and is what `ftpsessions` does with no command and a request on stdin.
 * Later commands (metrics, check, serve, token, completion) are entries
 * here.
 */
export const COMMANDS: Readonly<Record<string, CommandEntry>> = {
  list: {
    summary: "list the sessions: every account's as root, your own otherwise",
    usage: '[options]',
    sessions: true,
    filters: true,
    formats: ['table', 'json', 'ndjson', 'yaml', 'csv'],
    options: [
      { flags: '--sort <keys>', description: 'sort by these keys, comma-separated (-KEY: descending); then account, pid' },
      {
        flags: '--sample <ms>',
        description: 'for transfers, read the byte count again MS later and give the rate between the readings (default 1000; 0: no second reading)',
      },
    ],
    load: async () => (await import('./list.js')).list,
  },
  count: {
    summary: 'count the sessions per daemon, state, account (root) and client address',
    usage: '[options]',
    sessions: true,
    filters: true,
    formats: ['table', 'json', 'ndjson', 'yaml', 'csv'],
    options: [],
    load: async () => (await import('./count.js')).count,
  },
  kill: {
    summary: 'end sessions by pid, login or client address (verified TERM, then KILL)',
    usage: '(--pid N | --login NAME | --host ADDR | --all) [options]',
    help: 'Which sessions: --pid, --login, --host (repeatable; with the filters --state and --daemon), or --all.',
    sessions: true,
    filters: true,
    formats: ['table', 'json', 'yaml'],
    options: [
      { flags: '--pid <pid>', description: 'the session with this pid (repeatable)', repeatable: true },
      { flags: '--all', description: 'every session (of the --user accounts; root: of every account)' },
      { flags: '--dry-run', description: 'only list what would be ended' },
      { flags: '-y, --yes', description: 'do not ask (needed when standard input is not a terminal)' },
    ],
    load: async () => (await import('./kill.js')).kill,
  },
  top: {
    summary: 'a live full-screen view: sort, filter, tag and end sessions',
    usage: '[options]',
    sessions: true,
    filters: true,
    formats: undefined,
    options: [
      { flags: '-d, --delay <secs>', description: 'seconds between refreshes, 0.5 to 3600, decimals allowed (default 2)' },
      { flags: '-b, --batch', description: 'plain snapshots for scripts, no screen control (as ftptop -b); the only mode off a terminal' },
      { flags: '-n, --iterations <n>', description: 'this many snapshots (--batch, default 1) or refreshes on the screen (default: no end), then exit' },
      { flags: '--sort <keys>', description: 'initial sort, as list --sort' },
    ],
    help: `Keys:
  q, Ctrl-C     quit (the terminal is restored exactly)      ?           every key
  up, down, PgUp, PgDn, Home, End  move                      l, Ctrl-L   refresh now
  space         tag the session under the cursor (t: all shown, u: none)
  k             end the tagged sessions (none tagged: the one under the cursor) after a y on the
                line naming them (pids and logins): TERM, then KILL after 2 s, each checked first
  /             filter on login, host, file or account, any case (Enter applies, Esc cancels,
                empty clears)
  < >  r        move the sort column, reverse it
  P A L H D S T I B R F  sort by PID, ACCOUNT, LOGIN, HOST, DAEMON, S(tate), TIME, IDLE, DONE,
                RATE, FILE (again: reversed)
A failed refresh is shown on the bottom line; the rows stay. Rates are measured between two
readings. Replays (--input) cannot be ended. Exit 0 on q, Ctrl-C, SIGTERM or SIGHUP; 1 if the
first reading (or, with --batch, a later one) failed; 2 on a usage error.`,
    load: async () => (await import('./top/index.js')).top,
  },
  watch: {
    summary: 'stream an event each time a session opens, closes, changes state or starts or ends a transfer',
    usage: '[options]',
    sessions: true,
    filters: true,
    formats: ['table', 'ndjson'],
    options: [
      { flags: '--interval <ms>', description: 'milliseconds from the start of one reading to the start of the next, 100 to 3600000 (default 1000)' },
      { flags: '--no-initial', description: 'do not give the sessions of the first reading as opened (only changes from then on)' },
    ],
    help: `Events (ndjson: {"event","at","session"}; error: {"event":"error","at","message"}):
  opened             a session not in the previous reading (the first reading: every session,
                     unless --no-initial); one found mid-transfer also gets transfer_started
  closed             a session gone, with the last row seen (transfer_finished first if it was
                     transferring)
  state              its state changed (IDLE, DL, UL; AUTH to logged in)
  transfer_started   a transfer began: from IDLE or AUTH, or a new one replacing another
                     (DL/UL swapped, another file, fewer bytes than before)
  transfer_finished  the previous transfer is over, with its last row seen
  error              a reading failed; watch carries on (the same error is not repeated)
A session is the same one across readings when its pid and start time are. Filters choose
events by the row they carry. SIGINT, SIGTERM, SIGHUP, SIGPIPE and a reader gone end watch
with exit 0, after the events of the reading under way.`,
    load: async () => (await import('./watch.js')).watch,
  },
  metrics: {
    summary: 'the sessions as Prometheus metrics (text format, or OpenMetrics), on stdout or into a textfile for node_exporter',
    usage: '[--textfile DIR] [--openmetrics] [--per-account [--max-accounts N]] [options]',
    sessions: true,
    filters: false,
    formats: undefined,
    options: [
      { flags: '--textfile <dir>', description: "write DIR/ftpsessions.prom atomically (node_exporter's textfile collector) instead of stdout" },
      { flags: '--openmetrics', description: 'the OpenMetrics text format (ends with # EOF)' },
      { flags: '--per-account', description: 'also ftpsessions_account_sessions{account} (root)' },
      { flags: '--max-accounts <n>', description: 'with --per-account: at most N accounts, the rest summed as account="other" (default 100)' },
    ],
    load: async () => (await import('./metrics.js')).metrics,
  },
  check: {
    summary: 'a monitoring plugin (Nagios, Icinga, Naemon): OK, WARNING, CRITICAL or UNKNOWN with perfdata',
    usage: '[-w RANGE] [-c RANGE] [--account-warning RANGE] [--account-critical RANGE] [--oldest-idle-warning SECS] [--oldest-idle-critical SECS] [--unauthenticated-warning RANGE] [--unauthenticated-critical RANGE] [options]',
    sessions: true,
    filters: false,
    formats: undefined,
    plugin: { label: 'FTPSESSIONS' },
    options: [
      { flags: '-w, --warning <range>', description: 'WARNING when the number of sessions is outside RANGE (10, 10:, ~:10, 10:20, @10:20)' },
      { flags: '-c, --critical <range>', description: 'CRITICAL when the number of sessions is outside RANGE' },
      { flags: '--account-warning <range>', description: 'WARNING on the most sessions of any one account' },
      { flags: '--account-critical <range>', description: 'CRITICAL on the most sessions of any one account' },
      { flags: '--oldest-idle-warning <secs>', description: 'WARNING when a session has been idle longer than SECS (or outside a range)' },
      { flags: '--oldest-idle-critical <secs>', description: 'CRITICAL when a session has been idle longer than SECS (or outside a range)' },
      { flags: '--unauthenticated-warning <range>', description: '(root) WARNING on the sessions not logged in' },
      { flags: '--unauthenticated-critical <range>', description: '(root) CRITICAL on the sessions not logged in' },
    ],
    load: async () => (await import('./check.js')).check,
  },
  serve: {
    summary: "answer cPanel's HTTP APIs (UAPI /execute, json-api, the JSON action API) with tokens, on loopback by default",
    usage: '[--listen HOST:PORT]... [--tokens FILE] [--tls-cert FILE --tls-key FILE] [--insecure-http]',
    sessions: false,
    filters: false,
    formats: undefined,
    options: [
      { flags: '--listen <host:port>', description: 'where to listen (repeatable; default 127.0.0.1:2097; [::1]:PORT for IPv6; IP addresses only)', repeatable: true },
      { flags: '--tokens <file>', description: 'the API tokens (default /etc/ftpsessions/tokens: root-owned, 0600)' },
      { flags: '--tls-cert <file>', description: 'serve HTTPS with this certificate (PEM; re-read on SIGHUP)' },
      { flags: '--tls-key <file>', description: 'and this private key (PEM)' },
      { flags: '--insecure-http', description: 'allow plain HTTP on an address other than loopback' },
      { flags: '--metrics-open', description: 'serve GET /metrics without authentication (every --listen must be loopback); else a root token' },
    ],
    help: `Routes (Authorization: cpanel USER:TOKEN, whm USER:TOKEN or Basic; JSON answers):
  /execute/Ftp/list_sessions, kill_session, get_ftp_daemon_info   UAPI's bare result (root's token:
                                                                  cpanel.user=NAME)
  /json-api/cpanel?cpanel_jsonapi_user=&cpanel_jsonapi_module=&cpanel_jsonapi_func=[&cpanel_jsonapi_apiversion=3]
  /json-api/uapi_cpanel?cpanel.user=&cpanel.module=&cpanel.function=
  POST /api, /json   the JSON action API: createSession (username, password = an API token),
                     listSessions, deleteSession
  /metrics           Prometheus metrics (ftpsessions metrics): a root token, or none with --metrics-open
  /healthz           200, no authentication
Failed authentications: 401 (429 past 5 per address or 15 per user in 15 minutes), one log line
each on stderr: ftpsessions[PID]: authentication failure; rhost=ADDR user=NAME. SIGHUP re-reads
the certificate; SIGTERM finishes the requests under way, then exits 0. Tokens: ftpsessions token.`,
    load: async () => (await import('./serve.js')).serve,
  },
  token: {
    summary: 'create, list or revoke the API tokens serve accepts (root)',
    usage: '(create --user NAME [--name LABEL] | list | revoke (--name LABEL | --user NAME)) [--tokens FILE]',
    sessions: false,
    filters: false,
    formats: ['table', 'json'],
    arguments: [{ name: '<action>', description: 'create, list or revoke' }],
    options: [
      { flags: '-u, --user <name>', description: 'create: the account the token acts for (root: a WHM token, for any account); revoke: every token of this account' },
      { flags: '--name <label>', description: 'create: a label for the token (default: the account and the date); revoke: the token with this label' },
      { flags: '--tokens <file>', description: 'the tokens file (default /etc/ftpsessions/tokens)' },
    ],
    help: "create prints the secret once, alone on standard output; only a salted scrypt hash is kept. revoke takes effect at serve's next request, without a restart. The tokens file must be root's, mode 0600 or 0400, not a link, in a folder only root may write.",
    load: async () => (await import('./token.js')).token,
  },
  completion: {
    summary: 'print the Tab completion script of cpapi2, uapi and ftpsessions for a shell',
    usage: '(bash | zsh | fish)',
    sessions: false,
    filters: false,
    formats: undefined,
    arguments: [{ name: '<shell>', description: 'bash, zsh or fish' }],
    options: [],
    help: `Install (each covers cpapi2, uapi and ftpsessions):
  bash  ftpsessions completion bash > /usr/share/bash-completion/completions/ftpsessions
        (and links uapi, cpapi2 -> ftpsessions there); or: source <(ftpsessions completion bash)
  zsh   ftpsessions completion zsh > /usr/local/share/zsh/site-functions/_ftpsessions
  fish  ftpsessions completion fish > /usr/share/fish/vendor_completions.d/ftpsessions.fish
        (and uapi.fish, cpapi2.fish: the same file)
The scripts ask the ftpsessions installed beside the command being completed (else the one on
the PATH) for the candidates: options and their values, modules, functions and key= arguments,
commands; accounts after --user (root: those with FTP sessions first; others: only themselves)
and pids after login= and kill --pid (your own sessions; root: every account's).`,
    load: async () => (await import('./completion.js')).completion,
  },
};

export type CommandName = keyof typeof COMMANDS;
