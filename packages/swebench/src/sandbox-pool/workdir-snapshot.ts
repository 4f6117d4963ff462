/**
 * Shell commands that snapshot a sandbox's workdir after it was prepared and restore it exactly between
 * uses, so that one session (one container) can serve every candidate of an instance.
 *
 * The snapshot is a git repository whose git directory lives outside the workdir (`<snapshot>/files.git`,
 * work tree = the workdir), committed with every file, ignored ones included. Restoring is
 * `git reset --hard` + `git clean -ffdx`: only files that changed are rewritten, so a reset costs a stat of
 * the tree rather than a copy of it. Git never looks into a directory named `.git`, so the workdir's own
 * `.git` (the repository view the pool creates, or one an official image ships) is saved as a tar of its
 * metadata (refs, index, config, hooks; not its object store, whose objects are immutable) and put back.
 * Git does not track empty directories; their list is saved and they are re-created.
 *
 * Every script takes its inputs as positional arguments (`sh -c SCRIPT NAME ARG...`), never interpolated,
 * so paths with spaces or quotes are safe. They need a POSIX shell, git, GNU tar and find in the image.
 */

/** Exit status of the scripts when the snapshot cannot be used any more (the caller replaces the session). */
export const snapshotUnusableExitCode = 3;

// Git must behave the same whatever the image's or the repository's configuration says: no system or
// global config, no hooks, no line-ending or filter conversions (info/attributes overrides .gitattributes).
// The snapshot lives as long as its container: no fsync, the fastest compression.
const gitFunction = `
export HOME="$snapshot" GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null GIT_TERMINAL_PROMPT=0
export GIT_AUTHOR_NAME=codemonkeys GIT_AUTHOR_EMAIL=codemonkeys@localhost GIT_AUTHOR_DATE='2000-01-01T00:00:00+0000'
export GIT_COMMITTER_NAME=codemonkeys GIT_COMMITTER_EMAIL=codemonkeys@localhost GIT_COMMITTER_DATE='2000-01-01T00:00:00+0000'
files() {
  git --git-dir="$snapshot/files.git" --work-tree="$workdir" -c safe.directory='*' -c core.autocrlf=false \\
    -c core.safecrlf=false -c core.fileMode=true -c core.symlinks=true -c core.hooksPath=/dev/null -c gc.auto=0 \\
    -c core.fsync=none -c core.looseCompression=1 "$@"
}
`;

const snapshotScript = `set -eu
workdir=$1 snapshot=$2 create_repository=$3
${gitFunction}
command -v git >/dev/null 2>&1 || { echo "git is not installed in the sandbox image; the instance pool needs git, tar and find" >&2; exit ${snapshotUnusableExitCode}; }
[ -d "$workdir" ] || { echo "the workdir $workdir does not exist after prepare" >&2; exit ${snapshotUnusableExitCode}; }
rm -rf "$snapshot"
mkdir -p "$snapshot"
files init -q
printf '* -text -eol -filter -ident -working-tree-encoding\\n' > "$snapshot/files.git/info/attributes"
cd "$workdir"
if [ -d .git ] && base=$(git -c safe.directory='*' rev-parse -q --verify HEAD 2>/dev/null) && objects=$(git -c safe.directory='*' rev-parse --git-path objects 2>/dev/null); then
  # The workdir is a repository (an image's /testbed): borrow its objects, so that only files that differ
  # from its HEAD are written, instead of every file of the repository again.
  (cd "$objects" && pwd) > "$snapshot/files.git/objects/info/alternates"
  files read-tree "$base"
  # Record the files' stat data first: otherwise add compares every file against its object (seconds).
  files update-index -q --refresh >/dev/null 2>&1 || true
fi
files add -A -f .
files commit -q --allow-empty --no-verify -m 'codemonkeys: prepared state'
find . -path ./.git -prune -o -type d -empty -print0 > "$snapshot/empty-directories"
if [ ! -e .git ] && [ "$create_repository" = 1 ]; then
  # A repository view of the prepared state, like /testbed in SWE-bench images (git apply, diff, status
  # work); it borrows the snapshot's objects, so it costs no copy and its .git stays small.
  git -c init.defaultBranch=main init -q .
  printf '%s\\n' "$snapshot/files.git/objects" > .git/objects/info/alternates
  git -c safe.directory='*' update-ref refs/heads/main "$(files rev-parse HEAD)"
  git -c safe.directory='*' reset -q
fi
if [ -e .git ] || [ -L .git ]; then
  tar -cf "$snapshot/workdir-git.tar" --exclude=./.git/objects/pack --exclude='./.git/objects/[0-9a-f][0-9a-f]' ./.git
  # Objects of its own (not only alternates borrowed from the snapshot) cannot be restored from the tar.
  if [ -d .git/objects ] && find .git/objects -type f ! -path '.git/objects/info/*' | grep -q .; then
    : > "$snapshot/workdir-git-has-objects"
  fi
  touch "$snapshot/workdir-git.stamp"
fi
files rev-parse HEAD
`;

const resetScript = `set -u
workdir=$1 snapshot=$2 base=$3 keep=$4
shift 4
# Processes a previous user left behind (background jobs, daemons, what a timeout did not reach) would
# keep changing files or holding ports: kill all but init, the sandbox's own processes, this shell and its
# parent (a timeout wrapper). Several rounds catch processes forked while the first round ran.
for round in 1 2 3; do
  for entry in /proc/[0-9]*; do
    pid=\${entry#/proc/}
    case " 1 $$ $PPID $keep " in *" $pid "*) continue ;; esac
    kill -9 "$pid" 2>/dev/null
  done
done
set -e
${gitFunction}
[ -d "$snapshot/files.git" ] || { echo "the snapshot in $snapshot was deleted" >&2; exit ${snapshotUnusableExitCode}; }
mkdir -p "$workdir"
cd "$workdir"
files reset -q --hard "$base"
files clean -q -ffdx
if [ -s "$snapshot/empty-directories" ]; then xargs -0 mkdir -p < "$snapshot/empty-directories"; fi
if [ -f "$snapshot/workdir-git.tar" ] && [ -d .git ] && [ ! -L .git ] && [ -z "$(find .git -cnewer "$snapshot/workdir-git.stamp" -print -quit)" ]; then
  : # Nothing in .git changed status since it was saved or restored (ctime cannot be set back by a process).
elif [ -f "$snapshot/workdir-git.tar" ]; then
  if [ -f "$snapshot/workdir-git-has-objects" ]; then
    if [ ! -d .git/objects ] || [ -L .git ]; then
      echo "the object store of $workdir/.git was deleted; this session cannot be restored" >&2
      exit ${snapshotUnusableExitCode}
    fi
    # Objects are immutable and content-addressed: keep them (new ones are unreachable), replace the rest.
    find .git -mindepth 1 -maxdepth 1 ! -name objects -exec rm -rf {} +
    find .git/objects -mindepth 1 -maxdepth 1 ! -name pack ! -name '[0-9a-f][0-9a-f]' -exec rm -rf {} +
  else
    rm -rf .git
  fi
  tar -xf "$snapshot/workdir-git.tar"
  touch "$snapshot/workdir-git.stamp"
else
  rm -rf .git
fi
for directory in "$@"; do
  if [ -d "$directory" ]; then find "$directory" -mindepth 1 -maxdepth 1 -exec rm -rf {} +; fi
done
`;

const listProcessesScript = `for entry in /proc/[0-9]*; do
  pid=\${entry#/proc/}
  case " 1 $$ $PPID " in *" $pid "*) continue ;; esac
  echo "$pid"
done
`;

/** `sh -c` argv that commits the prepared workdir as the snapshot; prints the snapshot commit. */
export function snapshotWorkdirCommand(options: { workdir: string; snapshotDirectory: string; createRepository: boolean }): string[] {
  return ['sh', '-c', snapshotScript, 'codemonkeys-snapshot', options.workdir, options.snapshotDirectory, options.createRepository ? '1' : '0'];
}

/** `sh -c` argv that restores the workdir to the snapshot, empties the scratch directories and kills strays. */
export function resetWorkdirCommand(options: {
  workdir: string;
  snapshotDirectory: string;
  snapshotCommit: string;
  keepProcessIds: readonly string[];
  scratchDirectories: readonly string[];
}): string[] {
  return [
    'sh',
    '-c',
    resetScript,
    'codemonkeys-reset',
    options.workdir,
    options.snapshotDirectory,
    options.snapshotCommit,
    options.keepProcessIds.join(' '),
    ...options.scratchDirectories,
  ];
}

/** `sh -c` argv that lists the sandbox's processes other than init and the listing itself. */
export function listProcessesCommand(): string[] {
  return ['sh', '-c', listProcessesScript, 'codemonkeys-processes'];
}
