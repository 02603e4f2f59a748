#!/usr/bin/env bash
# Checks the systemd units in systemd/:
#   1. `systemd-analyze verify` on each, failing on any complaint (it exits 0 on an unknown directive or an
#      unparsable value, only printing a warning, so its output is what counts);
#   2. `systemd-analyze security --offline` on each: prints the exposure score, never fails on it;
#   3. a sandbox smoke test: the built teachersync runs (init, status, `hub run` until SIGTERM) under the seccomp
#      rules the units ask for (SystemCallFilter=, SystemCallErrorNumber=, MemoryDenyWriteExecute=), compared
#      with the same commands unsandboxed. Needs a C compiler and a built teachersync; skipped without them.
#
# verify needs ExecStart='s program to exist and be executable, and checks nothing else about it. The units name
# /usr/local/bin/teachersync, which is not installed here, so temporary copies point ExecStart= at the built
# teachersync (TEACHERSYNC_BIN, else the newer of .build/{release,debug}/teachersync), falling back to /bin/true
# before anything is built. Only that path changes; every other line is verified as shipped.
#
# Installs the systemd package when systemd-analyze is missing (needs root, as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."

units=(systemd/teachersync-county.service systemd/teachersync-hub.service)
installed_path=/usr/local/bin/teachersync

if ! command -v systemd-analyze >/dev/null 2>&1; then
    if [[ $(id -u) -ne 0 ]]; then
        echo "verify-units: systemd-analyze is missing; run as root to install the systemd package" >&2
        exit 1
    fi
    echo "verify-units: installing systemd (for systemd-analyze)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null
fi

bin=${TEACHERSYNC_BIN:-}
if [[ -z $bin ]]; then
    for candidate in .build/release/teachersync .build/debug/teachersync; do
        if [[ -x $candidate && ( -z $bin || $candidate -nt $bin ) ]]; then bin=$candidate; fi
    done
fi
[[ -n $bin ]] && bin=$(realpath "$bin")

work=$(mktemp -d)
trap "rm -rf \"$work\"" EXIT
failed=0

# 1 and 2.
for unit in "${units[@]}"; do
    name=$(basename "$unit")
    grep -q "^ExecStart=$installed_path " "$unit" || { echo "FAIL $name: ExecStart= is not $installed_path"; exit 1; }
    sed "s#^ExecStart=$installed_path #ExecStart=${bin:-/bin/true} #" "$unit" >"$work/$name"
    output=$(systemd-analyze verify "$work/$name" 2>&1) && status=0 || status=$?
    if [[ $status -ne 0 || -n $output ]]; then
        echo "FAIL $name: systemd-analyze verify (exit $status):"
        sed "s#$work/#systemd/#" <<<"$output"
        failed=1
    else
        echo "ok   $name: systemd-analyze verify (ExecStart= ${bin:-/bin/true})"
    fi
    if score=$(systemd-analyze security --offline=true "$work/$name" 2>/dev/null | grep 'Overall exposure level'); then
        echo "     $name: exposure ${score##*: } (systemd-analyze security; 0 is best, 10 worst)"
    else
        echo "     $name: systemd-analyze security --offline unavailable here"
    fi
done

# 3. The sandbox smoke test.
if [[ -z $bin ]] || ! command -v cc >/dev/null 2>&1; then
    echo "skip sandbox smoke test: needs a built teachersync and a C compiler"
    exit $failed
fi

# The system calls of the units' SystemCallFilter= lines, groups expanded, as x86-64 numbers.
expand() {
    systemd-analyze syscall-filter "$1" | tail -n +2 | sed -e 's/^[[:space:]]*//' | grep -v -e '^#' -e '^$' |
        while read -r entry; do
            if [[ $entry == @* ]]; then expand "$entry"; else echo "$entry"; fi
        done
}
unistd=$(echo '#include <sys/syscall.h>' | cc -E -dM - | awk '$2 ~ /^__NR_/ { sub(/^__NR_/, "", $2); print $2, $3 }')
allowed=() denied=()
for line in $(grep -h '^SystemCallFilter=' "${units[0]}" | cut -d= -f2- | tr ' ' '\n'); do
    if [[ $line == ~* ]]; then denied+=("${line#\~}"); else allowed+=("$line"); fi
done
{ for set in "${allowed[@]}"; do expand "$set"; done } | sort -u >"$work/allowed"
{ for set in "${denied[@]}"; do expand "$set"; done } | sort -u >"$work/denied"
comm -23 "$work/allowed" "$work/denied" | awk 'NR == FNR { nr[$1] = $2; next } ($1 in nr) { print nr[$1] }' \
    <(echo "$unistd") - >"$work/numbers"
for unit in "${units[@]}"; do
    if ! cmp -s <(grep '^SystemCallFilter=' "${units[0]}") <(grep '^SystemCallFilter=' "$unit"); then
        echo "FAIL $(basename "$unit"): SystemCallFilter= differs from ${units[0]}; teach this script both"
        exit 1
    fi
done

cat >"$work/sandbox.c" <<'EOF'
/* sandbox NUMBERS COMMAND...: runs COMMAND with only the system calls listed in NUMBERS (any other fails with
   EPERM, like SystemCallFilter= with SystemCallErrorNumber=EPERM) and without writable executable memory (the
   rules of systemd's MemoryDenyWriteExecute=: mmap with PROT_WRITE|PROT_EXEC, mprotect or pkey_mprotect adding
   PROT_EXEC, shmat with SHM_EXEC fail with EPERM). x86-64 only. */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#define LOAD(field) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, field))
#define DENY BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int install(struct sock_filter *f, unsigned short n) {
    struct sock_fprog prog = {.len = n, .filter = f};
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: sandbox NUMBERS COMMAND...\n"); return 2; }
    struct sock_filter mdwx[] = {
        LOAD(arch), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0), DENY,
        LOAD(nr), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mmap, 0, 4),
        LOAD(args[2]), BPF_STMT(BPF_ALU | BPF_AND | BPF_K, PROT_WRITE | PROT_EXEC),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PROT_WRITE | PROT_EXEC, 0, 1), DENY,
        LOAD(nr), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mprotect, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_pkey_mprotect, 0, 3),
        LOAD(args[2]), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1), DENY,
        LOAD(nr), BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_shmat, 0, 3),
        LOAD(args[2]), BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, SHM_EXEC, 0, 1), DENY,
        ALLOW,
    };
    static struct sock_filter allow[2 * 1024 + 3];
    unsigned short n = 0;
    allow[n++] = (struct sock_filter)LOAD(nr);
    FILE *numbers = fopen(argv[1], "r");
    unsigned nr;
    if (!numbers) { perror(argv[1]); return 2; }
    while (n < 2 * 1024 && fscanf(numbers, "%u", &nr) == 1) {
        allow[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, nr, 0, 1);
        allow[n++] = (struct sock_filter)ALLOW;
    }
    allow[n++] = (struct sock_filter)DENY;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) || install(mdwx, sizeof mdwx / sizeof mdwx[0]) || install(allow, n)) {
        perror("seccomp");
        return 2;
    }
    /* The rules must bite: a writable executable mapping is refused. */
    if (mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != MAP_FAILED) {
        fprintf(stderr, "sandbox: MemoryDenyWriteExecute rule not effective\n");
        return 2;
    }
    execv(argv[2], argv + 2);
    perror("execv");
    return 127;
}
EOF
cc -O2 -o "$work/sandbox" "$work/sandbox.c"

# Runs the scenario with a prefix command (empty or the sandbox); prints what happened, one line per step.
scenario() {
    local dir=$work/run-$1
    shift
    rm -rf "$dir" && mkdir -p "$dir"
    "$@" "$bin" init --data "$dir/hub" --role hub >/dev/null 2>&1 && echo "init: ok" || echo "init: failed"
    "$@" "$bin" status --data "$dir/hub" >/dev/null 2>&1 && echo "status: ok" || echo "status: failed"
    local status=0
    timeout --preserve-status -s TERM 3 "$@" "$bin" hub run --data "$dir/hub" --listen 127.0.0.1:0 \
        >"$dir/hub.out" 2>&1 || status=$?
    grep -q 'listening on' "$dir/hub.out" && echo "hub run: listened" || echo "hub run: did not listen"
    echo "hub run: exit $status after SIGTERM"
}
plain=$(scenario plain env)
boxed=$(scenario boxed "$work/sandbox" "$work/numbers")
if [[ $plain != *"hub run: listened"* ]]; then
    echo "FAIL sandbox smoke test: the scenario fails even without the sandbox; update it to the CLI:" $plain
    sed 's/^/     hub.out: /' "$work/run-plain/hub.out"
    failed=1
elif [[ $plain == "$boxed" ]]; then
    echo "ok   sandbox smoke test ($(wc -l <"$work/numbers") system calls allowed, no W+X memory):" $boxed
else
    echo "FAIL sandbox smoke test: teachersync behaves differently under the units' seccomp rules"
    diff <(echo "$plain") <(echo "$boxed") | sed 's/^/     /' || true
    sed 's/^/     hub.out: /' "$work/run-boxed/hub.out"
    failed=1
fi
exit $failed
