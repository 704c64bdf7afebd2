// The configuration files of the real nginx and Apache the web-server tests start (test/support/web-servers.ts):
// everything under one temporary directory, loopback ports only, a small static docroot, and two access logs each —
// the server's own combined format and the JSON format the logpulse presets (`json.preset: nginx|apache`) read.
// The JSON formats are exactly the ones the README documents for the presets; do not tidy them.

/** nginx's JSON access log format (`escape=json`: `"` and control bytes escaped, bytes >= 0x80 written raw). */
export const NGINX_JSON_FORMAT =
  `log_format logpulse escape=json '{"time_iso8601":"$time_iso8601","remote_addr":"$remote_addr","request_method":"$request_method",` +
  `"request_uri":"$request_uri","status":$status,"body_bytes_sent":$body_bytes_sent,"http_user_agent":"$http_user_agent","request_time":$request_time}';`;

/** Apache's JSON access log format (Apache escapes `"` and `\` with a backslash, other bytes as `\xhh`). */
export const APACHE_JSON_FORMAT =
  'LogFormat "{\\"time\\":\\"%{%Y-%m-%dT%H:%M:%S}t.%{usec_frac}t%{%z}t\\",\\"client\\":\\"%a\\",\\"method\\":\\"%m\\",' +
  '\\"uri\\":\\"%U%q\\",\\"status\\":%>s,\\"bytes\\":\\"%B\\",\\"userAgent\\":\\"%{User-agent}i\\"}" logpulse_json';

/** Debian's `combined` (apache2.conf): `%O` is the bytes sent, headers included. */
const APACHE_COMBINED = 'LogFormat "%h %l %u %t \\"%r\\" %>s %O \\"%{Referer}i\\" \\"%{User-Agent}i\\"" combined';

export interface ServerFiles {
  /** The server's own directory (pid file, temp paths, error log). */
  dir: string;
  docroot: string;
  /** The access log in the combined format. */
  combinedLog: string;
  /** The access log in the JSON format above. */
  jsonLog: string;
}

/** `listen` addresses: 127.0.0.1, and [::1] when the machine has IPv6 loopback. */
export interface Listen {
  port: number;
  ipv6: boolean;
}

/** nginx.conf: one worker, run in the foreground by the test (`-g 'daemon off;'`), `return`s for 500 and 503. */
export function nginxConf(files: ServerFiles, listen: Listen, root: boolean): string {
  const d = files.dir;
  return [
    'worker_processes 1;',
    // As root the worker drops to nobody (the docroot is world-readable); otherwise `user` would only be a warning.
    ...(root ? ['user nobody nogroup;'] : []),
    `pid ${d}/nginx.pid;`,
    `error_log ${d}/error.log info;`,
    'events { worker_connections 256; }',
    'http {',
    '  types { text/html html; text/plain txt; }',
    '  default_type application/octet-stream;',
    `  client_body_temp_path ${d}/client_body;`,
    `  proxy_temp_path ${d}/proxy;`,
    `  fastcgi_temp_path ${d}/fastcgi;`,
    `  uwsgi_temp_path ${d}/uwsgi;`,
    `  scgi_temp_path ${d}/scgi;`,
    '  keepalive_timeout 5s;',
    `  ${NGINX_JSON_FORMAT}`,
    `  access_log ${files.combinedLog} combined;`,
    `  access_log ${files.jsonLog} logpulse;`,
    '  server {',
    `    listen 127.0.0.1:${listen.port};`,
    ...(listen.ipv6 ? [`    listen [::1]:${listen.port};`] : []),
    '    server_name localhost;',
    `    root ${files.docroot};`,
    '    location = /fail { return 500; }',
    '    location = /unavailable { return 503; }',
    '  }',
    '}',
    '',
  ].join('\n');
}

/** An apache2 config of its own (`apache2 -f FILE -DFOREGROUND`): event MPM with one child, the modules it needs. */
export function apacheConf(files: ServerFiles, listen: Listen, root: boolean): string {
  const d = files.dir;
  const mod = (name: string, file: string): string => `LoadModule ${name}_module /usr/lib/apache2/modules/${file}.so`;
  return [
    `ServerRoot "${d}"`,
    'ServerName localhost',
    `PidFile ${d}/apache.pid`,
    `Mutex file:${d} default`,
    `DefaultRuntimeDir ${d}`,
    `Listen 127.0.0.1:${listen.port}`,
    ...(listen.ipv6 ? [`Listen [::1]:${listen.port}`] : []),
    mod('mpm_event', 'mod_mpm_event'),
    mod('authz_core', 'mod_authz_core'),
    mod('mime', 'mod_mime'),
    mod('dir', 'mod_dir'),
    mod('alias', 'mod_alias'),
    // Apache will not run its children as root: as root it starts as root and serves as www-data.
    ...(root ? ['User www-data', 'Group www-data'] : []),
    'StartServers 1',
    'ServerLimit 1',
    'ThreadsPerChild 16',
    'MaxRequestWorkers 16',
    'MinSpareThreads 4',
    'MaxSpareThreads 16',
    'KeepAliveTimeout 5',
    `ErrorLog ${d}/error.log`,
    'LogLevel info',
    `TypesConfig /dev/null`,
    'AddType text/html .html',
    'AddType text/plain .txt',
    `DocumentRoot "${files.docroot}"`,
    '<Directory />',
    '  Require all granted',
    '  AllowOverride None',
    '</Directory>',
    // nginx forbids a directory without an index (403); Apache, without mod_autoindex, would say 404.
    `<Directory "${files.docroot}/private">`,
    '  Require all denied',
    '</Directory>',
    'DirectoryIndex index.html',
    // A static server has no 5xx of its own: mod_alias answers these paths with the status, as nginx's `return`.
    'Redirect 500 /fail',
    'Redirect 503 /unavailable',
    'Redirect gone /gone',
    APACHE_COMBINED,
    APACHE_JSON_FORMAT,
    `CustomLog ${files.combinedLog} combined`,
    `CustomLog ${files.jsonLog} logpulse_json`,
    '',
  ].join('\n');
}
