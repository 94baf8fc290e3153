/**
 * The Perl the agent-backed InstanceFs (fs-agent.ts) runs inside the instance, one operation per
 * exec: `perl -e <PRELUDE + AGENT_FS_OPS[op]> -- args...`. Perl because perl-base is Essential in Debian
 * (the Kiln guest agent is Perl too), and one Perl process does what would take a chain of
 * coreutils calls (each a fork and exec, slow in an emulated guest) with exact errno handling.
 *
 * Each call is costly in an emulated guest, so the program is kept small and cheap to start:
 * only the subs the operation needs travel (requests cross a serial line in acknowledged
 * pieces), and no module is loaded (`use strict`, Fcntl, Errno and POSIX each add about 0.1 s
 * under TCG): file types are tested with the POSIX S_IF* values and errors with Linux errno
 * numbers, which are the same on every architecture Kiln runs (x86_64, arm64).
 *
 * Results: stdout (hex for names and data, so any byte survives). Expected failures: exit 3 and
 * one stderr line `KILNFS <code> <hex path> [<hex message>]`, turned into InstanceFsError on the
 * host. Anything else (die) is a fault: exit 255 with the reason on stderr.
 *
 * Path resolution mirrors PathResolver (fs-resolve.ts) so that both InstanceFs implementations
 * report the same canonical paths and codes: links followed one component at a time (40 at
 * most), `..` after a missing component is ENOENT, a file on the way is ENOTDIR, and /proc, /dev
 * and /sys are unreachable to file modules. `/`, `/tmp` and `/run` count as mount points (they
 * are in a sandbox), so they cannot be moved or removed.
 */
/** Linux errno numbers the operations tell apart. */
const ERRNO = { ENOTDIR: 20, EXDEV: 18, EEXIST: 17, EISDIR: 21, ENOTEMPTY: 39 };

/** The subs every operation uses: hex, failure, file types, path resolution. */
const BASE = String.raw`sub hx { unpack('H*', $_[0]) }
sub fail { print STDERR 'KILNFS ', $_[0], ' ', hx($_[1]), (defined $_[2] ? ' ' . hx($_[2]) : ''), "\n"; exit 3 }
sub isd { ($_[0] & 0170000) == 0040000 } sub isf { ($_[0] & 0170000) == 0100000 } sub isl { ($_[0] & 0170000) == 0120000 }
sub parts { grep { $_ ne '' && $_ ne '.' } split m{/}, $_[0] }
sub reach { my $p = shift; fail('EUNREACHABLE', $p, "$p is inside /$1, which file modules cannot reach; use a command (ExecuteBash)") if $p =~ m{^/(proc|dev|sys)(/|$)} }
sub R {
my ($shown, $follow) = @_; my @done; my ($links, $missing) = (0, 0); my @todo = parts($shown);
while (@todo) {
my $c = shift @todo;
if ($c eq '..') { fail('ENOENT', $shown) if $missing; pop @done; next }
if ($missing) { push @done, $c; next }
my $p = '/' . join('/', @done, $c); reach($p);
my @s = lstat $p;
if (!@s) { fail('ENOTDIR', $shown, "$shown: not a folder on the way") if $! == ${ERRNO.ENOTDIR}; $missing = 1 }
elsif (isl($s[2]) && (@todo || $follow)) { fail('ELOOP', $shown, "$shown: too many levels of symbolic links") if ++$links > 40; my $t = readlink $p; @done = () if $t =~ m{^/}; unshift @todo, parts($t); next }
elsif (@todo && !isd($s[2])) { fail('ENOTDIR', $shown, "$shown: $p is not a folder") }
push @done, $c;
}
my $p = '/' . join('/', @done); reach($p);
my @s = $missing ? () : lstat $p;
return ($p, @s ? \@s : undef);
}
`;

/** Subs some operations use, by name. */
const SUBS = {
  existing: `sub existing { my ($p, $s) = R(@_); fail('ENOENT', $p) unless $s; return ($p, $s) }`,
  regular: `sub regular { my ($p, $s) = @_; fail('EISDIR', $p) if isd($s->[2]); fail('EINVAL', $p, "$p is not a regular file") unless isf($s->[2]) }`,
  parent: `sub parent { (my $d = $_[0]) =~ s{/[^/]*$}{}; my ($q, $s) = R($d eq '' ? '/' : $d, 1); fail('ENOENT', $q) unless $s; fail('ENOTDIR', $q) unless isd($s->[2]) }`,
  mountpoint: `sub mountpoint { my $p = shift; fail('EINVAL', $p, "$p is a mount point of the instance") if grep { $_ eq $p } ('/', '/tmp', '/run') }`,
  outside: `sub outside { my ($s, $d) = @_; fail('EINVAL', $d, "cannot put folder $s inside itself ($d)") if $d eq $s || index($d, ($s eq '/' ? '' : $s) . '/') == 0 }`,
  names: String.raw`sub names { opendir(my $h, $_[0]) or die "opendir $_[0]: $!\n"; my @n = sort grep { $_ ne '.' && $_ ne '..' } readdir $h; closedir $h; @n }`,
  put: String.raw`sub put { my ($p, $how) = @_; binmode STDIN; local $/; my $d = <STDIN>; $d = '' unless defined $d; open(my $h, $how, $p) or die "open $p: $!\n"; binmode $h; print $h $d or die "write $p: $!\n"; close $h or die "close $p: $!\n" }`,
  walk: String.raw`sub walk { my ($p, $s, $f) = @_; $f->($p, $s); return unless isd($s->[2]); for my $n (names($p)) { my @c = lstat "$p/$n"; walk("$p/$n", \@c, $f) } }`,
  remove: String.raw`sub remove { my $p = shift; my @s = lstat $p or die "lstat $p: $!\n"; if (isd($s[2])) { remove("$p/$_") for names($p); rmdir $p or die "rmdir $p: $!\n" } else { unlink $p or die "unlink $p: $!\n" } }`,
  copy: String.raw`sub copy {
my ($sp, $s, $dp) = @_; my @d = lstat $dp; my $m = $s->[2];
if (isl($m)) { fail('EISDIR', $dp) if @d && isd($d[2]); unlink $dp if @d; symlink(readlink($sp), $dp) or die "symlink $dp: $!\n"; return }
if (isf($m)) {
fail('EISDIR', $dp) if @d && isd($d[2]); unlink $dp if @d && isl($d[2]);
open(my $in, '<:raw', $sp) or die "open $sp: $!\n"; open(my $out, '>:raw', $dp) or die "open $dp: $!\n";
while (1) { my $n = read($in, my $b, 1 << 20); die "read $sp: $!\n" unless defined $n; last unless $n; print $out $b or die "write $dp: $!\n" }
close $out or die "close $dp: $!\n"; chmod($m & 07777, $dp) or die "chmod $dp: $!\n"; return;
}
fail('EINVAL', $sp, "$sp is a special file (device, socket or pipe)") unless isd($m);
if (@d && !isd($d[2])) { fail('ENOTDIR', $dp) unless isl($d[2]); unlink $dp or die "unlink $dp: $!\n"; @d = () }
if (!@d) { mkdir $dp or die "mkdir $dp: $!\n" }
for my $n (names($sp)) { my @c = lstat "$sp/$n"; copy("$sp/$n", \@c, "$dp/$n") }
chmod($m & 07777, $dp) or die "chmod $dp: $!\n";
}`,
} as const;

type Sub = keyof typeof SUBS;

export type AgentFsOp =
  | 'realpath'
  | 'stat'
  | 'read'
  | 'write'
  | 'append'
  | 'mkdir'
  | 'readdir'
  | 'copy'
  | 'rename'
  | 'rm'
  | 'rmdir'
  | 'symlink'
  | 'readlink'
  | 'chmod'
  | 'chown';

/** One body per InstanceFs operation and the subs it needs; `@ARGV` holds its arguments (paths verbatim, modes in octal). */
const OPS: Record<AgentFsOp, { readonly needs: readonly Sub[]; readonly body: string }> = {
  realpath: { needs: [], body: String.raw`my ($p) = R($ARGV[0], 1); print hx($p), "\n";` },
  stat: {
    needs: [],
    body: String.raw`my ($p, $s) = R($ARGV[0], $ARGV[1]); if ($s) { my $m = $s->[2]; print join(' ', isf($m) ? 'file' : isd($m) ? 'directory' : isl($m) ? 'symlink' : 'other', $m & 07777, $s->[7], $s->[4], $s->[5]), "\n" }`,
  },
  read: {
    needs: ['existing', 'regular'],
    body: String.raw`my ($p, $s) = existing($ARGV[0], 1); regular($p, $s); open(my $h, '<:raw', $p) or die "open $p: $!\n"; seek($h, $ARGV[1], 0) or die "seek $p: $!\n"; my $n = read($h, my $b, $ARGV[2]); die "read $p: $!\n" unless defined $n; print hx($b);`,
  },
  write: {
    needs: ['regular', 'parent', 'put'],
    body: String.raw`my ($p, $s) = R($ARGV[0], 1); if ($s) { regular($p, $s) } else { parent($p) } put($p, '>'); my $mode = $ARGV[1] ne '-' ? oct($ARGV[1]) : $s ? undef : 0644; if (defined $mode) { chmod($mode, $p) or die "chmod $p: $!\n" }`,
  },
  append: {
    needs: ['existing', 'regular', 'put'],
    body: `my ($p, $s) = existing($ARGV[0], 1); regular($p, $s); put($p, '>>');`,
  },
  mkdir: {
    needs: [],
    body: String.raw`my ($p, $s) = R($ARGV[0], 1); if ($s) { exit 0 if isd($s->[2]); fail('ENOTDIR', $p) } my $cur = ''; for my $c (parts($p)) { $cur .= "/$c"; my @t = stat $cur; if (@t) { fail('ENOTDIR', $cur) unless isd($t[2]); next } mkdir $cur or die "mkdir $cur: $!\n"; chmod(oct($ARGV[1]), $cur) or die "chmod $cur: $!\n" }`,
  },
  readdir: {
    needs: ['existing', 'names'],
    body: String.raw`my ($p, $s) = existing($ARGV[0], 1); fail('ENOTDIR', $p) unless isd($s->[2]); print hx($_), "\n" for names($p);`,
  },
  copy: {
    needs: ['existing', 'outside', 'parent', 'names', 'copy'],
    body: `my ($sp, $ss) = existing($ARGV[0], 1); my ($dp, $ds) = R($ARGV[1], 1); outside($sp, $dp) if isd($ss->[2]); parent($dp) unless $ds; copy($sp, $ss, $dp);`,
  },
  rename: {
    needs: ['existing', 'mountpoint', 'outside', 'parent', 'names', 'copy', 'remove'],
    body: String.raw`my ($sp, $ss) = existing($ARGV[0], 0); mountpoint($sp); my ($dp, $ds) = R($ARGV[1], 0); mountpoint($dp); outside($sp, $dp) if isd($ss->[2]); parent($dp) unless $ds;
if (!rename($sp, $dp)) { my $e = $! + 0; if ($e == ${ERRNO.EXDEV}) { copy($sp, $ss, $dp); remove($sp) } elsif ($e == ${ERRNO.ENOTEMPTY} || $e == ${ERRNO.EEXIST}) { fail('ENOTEMPTY', $dp) } elsif ($e == ${ERRNO.EISDIR}) { fail('EISDIR', $dp) } elsif ($e == ${ERRNO.ENOTDIR}) { fail('ENOTDIR', $dp) } else { die "rename $sp $dp: $!\n" } }`,
  },
  rm: {
    needs: ['existing', 'mountpoint', 'names', 'remove'],
    body: `my ($p, $s) = existing($ARGV[0], 0); mountpoint($p); fail('EISDIR', $p) if isd($s->[2]) && !$ARGV[1]; remove($p);`,
  },
  rmdir: {
    needs: ['existing', 'mountpoint'],
    body: String.raw`my ($p, $s) = existing($ARGV[0], 0); mountpoint($p); fail('ENOTDIR', $p) unless isd($s->[2]); rmdir $p or (($! == ${ERRNO.ENOTEMPTY} || $! == ${ERRNO.EEXIST}) ? fail('ENOTEMPTY', $p) : die "rmdir $p: $!\n");`,
  },
  symlink: {
    needs: ['parent'],
    body: String.raw`my ($p, $s) = R($ARGV[1], 0); fail('EEXIST', $p) if $s; parent($p); symlink($ARGV[0], $p) or die "symlink $p: $!\n";`,
  },
  readlink: {
    needs: ['existing'],
    body: String.raw`my ($p, $s) = existing($ARGV[0], 0); fail('EINVAL', $p, "$p is not a symbolic link") unless isl($s->[2]); print hx(readlink $p), "\n";`,
  },
  chmod: {
    needs: ['existing', 'names', 'walk'],
    body: String.raw`my ($p, $s) = existing($ARGV[0], 1); my $m = oct $ARGV[1]; if ($ARGV[2]) { walk($p, $s, sub { isl($_[1][2]) or chmod($m, $_[0]) or die "chmod $_[0]: $!\n" }) } else { chmod($m, $p) or die "chmod $p: $!\n" }`,
  },
  chown: {
    needs: ['existing', 'names', 'walk'],
    // POSIX (for lchown) only when needed: loading it is the slowest thing here.
    body: String.raw`my ($p, $s) = existing($ARGV[0], 1); my ($u, $g) = ($ARGV[1], $ARGV[2]); if ($ARGV[3]) { require POSIX; walk($p, $s, sub { POSIX::lchown($u, $g, $_[0]) or die "lchown $_[0]: $!\n" }) } else { chown($u, $g, $p) or die "chown $p: $!\n" }`,
  },
};

/** The Perl program of one operation: the base, the subs it needs, its body. */
export function agentFsProgram(op: AgentFsOp): string {
  const { needs, body } = OPS[op];
  return [BASE, ...needs.map((n) => SUBS[n]), body].join('\n');
}
