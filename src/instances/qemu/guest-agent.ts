/**
 * The Kiln guest agent: how the host runs commands in a QEMU guest.
 *
 * Why an agent on the second serial port (ttyS1) and not a root shell on the console: the
 * console carries kernel and systemd messages (and a getty under systemd), so sentinel framing
 * there breaks on any interleaved line, and a shell cannot separate stdout from stderr, stream
 * both, or kill one command without killing the shell. ttyS1 is a plain 16550 UART, built into
 * every Debian kernel (no module, no udev), usable from the first instruction of userspace.
 * The agent is Perl because perl-base is Essential in Debian, so every tree has it, and
 * Perl does select(2), fork, setsid and termios without extra packages.
 *
 * Protocol: ASCII lines, every payload hex-encoded (binary-safe, no escaping), '-' for empty.
 *   host → guest                     guest → host
 *   PING                             HELLO <boot-id>      (on start and on every PING)
 *   IN <id> <piece>                  INACK <id>           (the request, in acknowledged pieces)
 *   EXEC <id>                        OUT|ERR <id> <hex>   (stdout/stderr as they come)
 *   KILL <id>                        EXIT <id> <code> <signal>  (after both pipes closed)
 *   POWER off|reboot                 ACK POWER
 *   HOST <hex name>
 * The request is `<cwd> <env> <argv> <stdin>` (env and argv NUL-joined), sent in pieces of at
 * most REQUEST_CHUNK characters with one piece in flight: the guest's tty buffers are small,
 * and a UART has no flow control here, so a long line could overrun them.
 * How the agent starts: the kernel runs `/usr/lib/kiln/init` (init= on the command line). With
 * systemd as /sbin/init it execs systemd, which starts the agent from kiln-agent.service once
 * multi-user.target is reached (tests then see a fully booted system); with another init it
 * starts the agent beside it; with no init (Kiln's minbase trees) the agent itself is PID 1.
 */

export const AGENT_DIR = '/usr/lib/kiln';
export const AGENT_PATH = `${AGENT_DIR}/agent`;
export const INIT_PATH = `${AGENT_DIR}/init`;
export const AGENT_UNIT = 'kiln-agent.service';
/** Characters per IN line: the guest tty must never have more than this in flight. */
export const REQUEST_CHUNK = 4096;

export const INIT_SCRIPT = `#!/bin/sh
# Kiln init wrapper (see the agent). Runs before anything else in the booted root.
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export PATH
if [ -x /sbin/init ] && [ -d /lib/systemd/system ] && readlink -f /sbin/init | grep -q systemd; then
  exec /sbin/init "$@"
fi
mountpoint -q /proc || mount -t proc proc /proc
mountpoint -q /sys || mount -t sysfs sysfs /sys
mountpoint -q /dev || mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mountpoint -q /dev/pts || mount -t devpts devpts /dev/pts
mountpoint -q /run || mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs /run
mkdir -p /run/lock && chmod 1777 /run/lock
[ -r /etc/hostname ] && cat /etc/hostname > /proc/sys/kernel/hostname
if command -v ip >/dev/null && [ -e /sys/class/net/eth0 ]; then
  # QEMU user networking: fixed addresses, no DHCP client needed.
  ip link set lo up
  ip addr add 10.0.2.15/24 dev eth0 && ip link set eth0 up && ip route add default via 10.0.2.2
fi
if [ -x /sbin/init ]; then
  setsid /usr/bin/perl ${AGENT_PATH} </dev/null &
  exec /sbin/init "$@"
fi
exec /usr/bin/perl ${AGENT_PATH} --init
`;

export const AGENT_UNIT_FILE = `[Unit]
Description=Kiln guest agent (commands from the host on ttyS1)
After=multi-user.target

[Service]
ExecStart=/usr/bin/perl ${AGENT_PATH}
Restart=always
RestartSec=1

[Install]
WantedBy=multi-user.target
`;

export const AGENT_SCRIPT = `#!/usr/bin/perl
# Kiln guest agent: runs commands for the host over /dev/ttyS1. Protocol: guest-agent.ts in Kiln.
use strict;
use warnings;
use POSIX qw(:sys_wait_h :termios_h :fcntl_h setsid _exit);
my $PID1 = grep { $_ eq '--init' } @ARGV;
$SIG{PIPE} = 'IGNORE';
sysopen(my $tty, '/dev/ttyS1', O_RDWR | O_NOCTTY) or die "kiln-agent: /dev/ttyS1: $!\\n";
my $t = POSIX::Termios->new;
$t->getattr(fileno $tty);
$t->setiflag(0); $t->setoflag(0); $t->setlflag(0);
$t->setcflag(($t->getcflag & ~(CSIZE | PARENB)) | CS8 | CREAD | CLOCAL);
$t->setcc(VMIN, 1); $t->setcc(VTIME, 0);
$t->setattr(fileno $tty, TCSANOW) or die "kiln-agent: termios: $!\\n";
if ($PID1) {    # lo up with ioctls (SIOCGIFFLAGS/SIOCSIFFLAGS): minbase has no ip(8)
  if (socket(my $s, 2, 2, 0)) {
    my $r = pack('a16 x24', 'lo');
    if (ioctl($s, 0x8913, $r)) { my $f = unpack('x16 s', $r); ioctl($s, 0x8914, pack('a16 s x22', 'lo', $f | 1)) }
  }
}
my $boot = "$$";
if (open(my $f, '<', '/proc/sys/kernel/random/boot_id')) { $boot = <$f> }
chomp $boot;
my (%jobs, %pipes, %req);
my $in = '';
sub put { my $l = shift() . "\\n"; while (length $l) { my $n = syswrite($tty, $l); if (!defined $n) { next if $!{EINTR} || $!{EAGAIN}; die "kiln-agent: write: $!\\n" } substr($l, 0, $n, '') } }
sub hex2 { my $h = shift; $h eq '-' ? '' : pack('H*', $h) }
sub start {
  my $id = shift;
  my ($cwd, $env, $argv, $data) = map { hex2($_) } split(/ /, delete $req{$id} // '');
  my @argv = split /\\0/, $argv // '', -1;
  my @env = split /\\0/, $env // '';
  $data //= '';
  pipe(my $or, my $ow); pipe(my $er, my $ew); pipe(my $ir, my $iw);
  my $pid = fork;
  if (!defined $pid) { put("ERR $id " . unpack('H*', "kiln-agent: fork: $!\\n")); put("EXIT $id 127 -"); return }
  if ($pid == 0) {
    setsid();
    $SIG{$_} = 'DEFAULT' for qw(PIPE TERM INT HUP CHLD);
    open(STDIN, '<&', $ir); open(STDOUT, '>&', $ow); open(STDERR, '>&', $ew);
    close $_ for ($or, $er, $iw, $tty);
    %ENV = map { /^([^=]*)=(.*)$/s ? ($1, $2) : () } @env;
    chdir($cwd // '/') or do { print STDERR "kiln-agent: cd $cwd: $!\\n"; _exit(127) };
    { no warnings 'exec'; exec { $argv[0] } @argv }
    print STDERR "kiln-agent: cannot run $argv[0]: $!\\n";
    _exit(127);
  }
  close $_ for ($ow, $ew, $ir);
  my $w = fork;    # a separate writer, so a command that never reads stdin cannot block the agent
  if (defined $w && $w == 0) { close $or; close $er; my $o = 0; while ($o < length $data) { my $n = syswrite($iw, $data, 65536, $o); last unless $n; $o += $n } _exit(0) }
  close $iw;
  $jobs{$id} = { pid => $pid, open => 2 };
  $pipes{fileno $or} = [$id, 'OUT', $or];
  $pipes{fileno $er} = [$id, 'ERR', $er];
}
sub power {
  my $how = shift;
  put('ACK POWER');
  system('sync');
  if (!$PID1 && -d '/run/systemd/system') { return system('systemctl', '--no-block', $how eq 'reboot' ? 'reboot' : 'poweroff') }
  if (!$PID1 && -x '/sbin/reboot') { return system($how eq 'reboot' ? '/sbin/reboot' : '/sbin/poweroff') }
  if ($PID1) { kill('TERM', -1); sleep 1; kill('KILL', -1); system('sync'); system('mount', '-o', 'remount,ro', '/') }
  if (open(my $q, '>', '/proc/sysrq-trigger')) { print $q ($how eq 'reboot' ? 'b' : 'o'); close $q }
}
sub handle {
  my $line = shift;
  if ($line =~ /^IN (\\d+) (.*)$/s) { $req{$1} .= $2; return put("INACK $1") }
  my @f = split / /, $line;
  my $cmd = shift(@f) // '';
  if ($cmd eq 'PING') { put("HELLO $boot") }
  elsif ($cmd eq 'EXEC' && @f == 1) { start($f[0]) }
  elsif ($cmd eq 'KILL' && @f == 1) { kill('KILL', -$jobs{$f[0]}{pid}) if $jobs{$f[0]} }
  elsif ($cmd eq 'HOST' && @f == 1) { if (open(my $h, '>', '/proc/sys/kernel/hostname')) { print $h hex2($f[0]) } }
  elsif ($cmd eq 'POWER' && @f == 1) { power($f[0]) }
}
put("HELLO $boot");
print STDERR "kiln-agent: ready on ttyS1\\n";
while (1) {
  my $rin = '';
  vec($rin, fileno $tty, 1) = 1;
  vec($rin, $_, 1) = 1 for keys %pipes;
  my $n = select(my $rout = $rin, undef, undef, 0.2);
  if ($n && $n > 0) {
    if (vec($rout, fileno $tty, 1)) {
      my $r = sysread($tty, my $buf, 65536);
      if ($r) { $in .= $buf; while ($in =~ s/^([^\\n]*)\\n//) { my $l = $1; $l =~ s/\\r$//; handle($l) } }
    }
    for my $fd (keys %pipes) {
      next unless vec($rout, $fd, 1);
      my ($id, $kind, $fh) = @{$pipes{$fd}};
      my $r = sysread($fh, my $buf, 8192);
      if ($r) { put("$kind $id " . unpack('H*', $buf)) }
      elsif (!defined $r && ($!{EINTR} || $!{EAGAIN})) { next }
      else { close $fh; delete $pipes{$fd}; $jobs{$id}{open}-- }
    }
  }
  while ((my $pid = waitpid(-1, WNOHANG)) > 0) {
    my $st = $?;
    for my $j (values %jobs) { if ($j->{pid} == $pid) { $j->{status} = $st; $j->{deadline} = time + 1 } }
  }
  for my $id (keys %jobs) {
    my $j = $jobs{$id};
    next unless defined $j->{status};
    # Leftover background processes holding the pipes are killed shortly after the command exits.
    kill('KILL', -$j->{pid}) if $j->{open} > 0 && time > $j->{deadline};
    next if $j->{open} > 0;
    kill('KILL', -$j->{pid});
    my ($code, $sig) = ($j->{status} & 127) ? ('-', $j->{status} & 127) : ($j->{status} >> 8, '-');
    put("EXIT $id $code $sig");
    delete $jobs{$id};
  }
}
`;

/** Hex for the protocol: '-' stands for the empty string. */
export const toHex = (data: string | Buffer): string =>
  data.length === 0 ? '-' : Buffer.from(data).toString('hex');

/** The IN lines that carry one command's request to the guest (pure); EXEC follows them. */
export function requestLines(
  id: number,
  request: { argv: readonly string[]; cwd: string; env: Record<string, string>; input?: string | Buffer },
): string[] {
  const envText = Object.entries(request.env)
    .map(([k, v]) => `${k}=${v}`)
    .join('\0');
  const fields = [request.cwd, envText, request.argv.join('\0'), request.input ?? ''].map(toHex).join(' ');
  const lines: string[] = [];
  for (let at = 0; at < fields.length; at += REQUEST_CHUNK) {
    lines.push(`IN ${id} ${fields.slice(at, at + REQUEST_CHUNK)}`);
  }
  return lines;
}

/** A line from the guest, parsed (pure); undefined for anything else (noise is ignored). */
export type AgentMessage =
  | { kind: 'HELLO'; bootId: string }
  | { kind: 'INACK'; id: number }
  | { kind: 'OUT' | 'ERR'; id: number; data: Buffer }
  | { kind: 'EXIT'; id: number; exitCode: number | null; signal: number | null }
  | { kind: 'ACK' };

export function parseAgentLine(line: string): AgentMessage | undefined {
  const f = line.replace(/\r$/, '').split(' ');
  const id = Number(f[1]);
  switch (f[0]) {
    case 'HELLO':
      return f.length === 2 && f[1] ? { kind: 'HELLO', bootId: f[1] } : undefined;
    case 'ACK':
      return { kind: 'ACK' };
    case 'INACK':
      return f.length === 2 && Number.isInteger(id) ? { kind: 'INACK', id } : undefined;
    case 'OUT':
    case 'ERR':
      if (f.length !== 3 || !Number.isInteger(id) || !/^[0-9a-f]*$/.test(f[2]!)) return undefined;
      return { kind: f[0], id, data: Buffer.from(f[2]!, 'hex') };
    case 'EXIT': {
      if (f.length !== 4 || !Number.isInteger(id)) return undefined;
      const num = (s: string | undefined): number | null => (s === '-' || s === undefined ? null : Number(s));
      return { kind: 'EXIT', id, exitCode: num(f[2]), signal: num(f[3]) };
    }
    default:
      return undefined;
  }
}
