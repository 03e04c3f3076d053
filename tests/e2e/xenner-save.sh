#!/bin/bash
# test-needs: kvm
# test-svm-seconds: 650
# test-timeout: 600
# Save and restore with the hk-suspend helper kernel, which suspends as
# Linux does (docs/save-restore.md): xenner-xm save ends the domain
# (xenner exits 6) and writes an ELF image readelf and xenner-vmcore
# read; xenner -restore resumes it in a new domain where the suspend
# returns 0 and its counter, memory, clock and xenstore node survived;
# save -c keeps it running (the suspend returns 1) and its image restores
# too, though a host process wrote one of its pages all through the save;
# xenner-xm restore brings it back in the background; a guest that does
# not suspend in time keeps running and leaves no file; corrupt,
# truncated and foreign files are refused with one line and leave nothing;
# a domain restored -paused that nobody unpauses ends after -unpause-within;
# -take-image makes the image's own file the new vmcore (copied when it is
# on another file system); a guest with more xenstore data than an image
# holds (SAVE_MAX_STATE) is refused a save and runs on.
. "$(dirname "$0")/lib.sh"
[ -w /dev/kvm ] || skip "no writable /dev/kvm"
XENNER="$BUILD/xenner/xenner"
XM="$BUILD/tools/xm/xenner-xm"
HK="$BUILD/tests/guests/hk-suspend"
need_file "$XENNER" "make"
need_file "$XM" "make"
need_file "$HK" "make"
# step 9 gives a guest more xenstore data than an image holds: xenstored's
# per-domain quotas would stop it long before
export XENSTORED_ARGS="-Q memory=200000000 -E 100000"
start_dom0
R=$XENNER_RUNDIR

boot() { # name, output, command line[, paused: built paused, then unpaused]
	local paused=()
	[ "${4:-}" = paused ] && paused=(-paused)
	"$XENNER" -kernel "$HK" -name "$1" -m 64 -append "$3" "${paused[@]}" \
		>"$2" 2>&1 &
	GUEST=$!
	on_exit "kill $GUEST"
	if [ -n "${4:-}" ]; then
		# its control socket comes up with the domain built
		wait_until "'$XM' unpause '$1' >/dev/null 2>&1" 100 ||
			fail "could not unpause $1"
	fi
	wait_guest $GUEST "$2" "hk-suspend: counting"
}

nothing_left() { # what
	for f in "$R"/vmcore.* "$R"/emu.* "$R"/*.part; do
		[ -e "$f" ] && fail "$1 left $f behind"
	done
	return 0
}

# 1. save: the domain ends, the image is an ELF core (of a domain started
# paused: that was about its start, and its restore in 2 runs at once)
boot hks "$R/a.out" "secs=120" paused
t0=$(date +%s%N)
"$XM" save hks "$R/img" || { cat "$R/a.out"; fail "xenner-xm save"; }
t1=$(date +%s%N)
wait $GUEST
rc=$?
[ $rc = 6 ] || { cat "$R/a.out"; fail "xenner exit $rc after save, expected 6"; }
grep -q "saved to $R/img" "$R/a.out" || fail "no 'saved' line"
[ -f "$R/img" ] || fail "no image"
nothing_left "save"
readelf -l "$R/img" | grep -q "LOAD.*0x0000000000200000" || fail "readelf: no RAM segment"
"$BUILD/tools/xenner-vmcore" info "$R/img" | grep -q "hks" ||
	fail "xenner-vmcore info does not read the image"
ok "save: $(( (t1 - t0) / 1000000 )) ms for 64 MiB, $(du -k "$R/img" | cut -f1) KiB on disk of $(( $(stat -c %s "$R/img") / 1024 )) KiB"

# 2. restore: a new domain, the suspend returned 0, everything survived
cp --sparse=always "$R/img" "$R/img.copy"
t0=$(date +%s%N)
timeout -k 5 "$(scaled 60)" "$XENNER" -restore "$R/img" >"$R/b.out" 2>&1
rc=$?
t1=$(date +%s%N)
[ $rc = 0 ] || { cat "$R/b.out"; fail "restore: exit $rc"; }
grep -q "hk-suspend: resumed in a new domain" "$R/b.out" || { cat "$R/b.out"; fail "not resumed"; }
grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$R/b.out" || { cat "$R/b.out"; fail "restored guest failed"; }
nothing_left "restore"
ok "restore: $(grep -m1 '^RESULT' "$R/b.out") ($(( (t1 - t0) / 1000000 )) ms to the guest's poweroff)"

# 3. refused images: one line, exit 1, nothing built
refuse() { # file, expected text, what
	timeout 30 "$XENNER" -restore "$1" >"$R/r.out" 2>&1
	rc=$?
	[ $rc = 1 ] || { cat "$R/r.out"; fail "$3: exit $rc, expected 1"; }
	[ "$(wc -l <"$R/r.out")" = 1 ] || { cat "$R/r.out"; fail "$3: not one line"; }
	grep -q "$2" "$R/r.out" || { cat "$R/r.out"; fail "$3: no '$2'"; }
	nothing_left "$3"
	ok "$3 refused: $(cat "$R/r.out")"
}
cp --sparse=always "$R/img.copy" "$R/bad"
printf '\x5a' | dd of="$R/bad" bs=1 seek=$((2 * 1024 * 1024 + 5000)) conv=notrunc status=none
refuse "$R/bad" "guest memory is corrupt" "a flipped bit in RAM"
cp --sparse=always "$R/img.copy" "$R/bad"
truncate -s $(($(stat -c %s "$R/bad") - 100)) "$R/bad"
refuse "$R/bad" "truncated" "a truncated image"
truncate -s 3000000 "$R/bad"
refuse "$R/bad" "truncated\|inconsistent\|not match" "an image cut in its RAM"
echo "hello" >"$R/bad"
refuse "$R/bad" "not a xenner save image" "a text file"
timeout 30 "$XENNER" -restore "$R/img.copy" -m 128 >"$R/r.out" 2>&1 &&
	fail "-restore with -m was accepted"
grep -q "cannot go with it" "$R/r.out" || { cat "$R/r.out"; fail "-m: no message"; }
nothing_left "-restore -m"

# 4. xenner-xm restore: in the background, its console on xenconsoled
"$XM" restore "$R/img.copy" >"$R/xm.out" 2>&1 || { cat "$R/xm.out"; fail "xenner-xm restore"; }
grep -q "hks restored as domain" "$R/xm.out" || fail "xenner-xm restore said $(cat "$R/xm.out")"
wait_until "grep -q '^RESULT' '$R/xm/hks.log'" 300 || { cat "$R/xm/hks.log"; fail "no RESULT"; }
grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$R/xm/hks.log" || { cat "$R/xm/hks.log"; fail "xm-restored guest failed"; }
ok "xenner-xm restore: $(cat "$R/xm.out")"

# 5. checkpoint: the guest runs on (suspend returns 1); its image restores
# long enough to outlive a slow save (TCG, ASan): it ends by itself
boot hkc "$R/c.out" "secs=$(scaled 15)"
# a host process writes one of its pages all through the save, as
# netbackd's receive copies may: the image must still match its checksum
# (the page is copied once, then hashed and written from the copy)
id=$("$XM" list | awk '$1 == "hkc" { print $2 }')
python3 -c '
import mmap, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDWR)
m = mmap.mmap(fd, 4096, offset=int(sys.argv[2]))
open(sys.argv[3], "w").close()
i = 0
while True:
    i += 1
    m[0:8] = struct.pack("<Q", i)
' "$R/vmcore.$id" $((2 * 1048576 + 8192 * 4096)) "$R/writer.ready" &
writer=$!
on_exit "kill $writer"
wait_until "[ -e '$R/writer.ready' ]" 100 ||
	{ "$XM" list; ls -l "$R"; fail "the page writer did not start (hkc is domain '$id')"; }
"$XM" save -c hkc "$R/ckpt" || { cat "$R/c.out"; fail "xenner-xm save -c"; }
kill $writer
# the save read only the pages the guest's memory file holds: its holes
# (most of these 64 MiB) are zeroes, and reading them would allocate them
kb=$(du -k "$R/vmcore.$id" | cut -f1)
[ -n "$kb" ] || { "$XM" list; ls -l "$R"; fail "no vmcore of hkc (domain '$id')"; }
[ "$kb" -lt 32768 ] || fail "save -c made the running guest's memory file ${kb} KiB of 64 MiB"
wait_guest $GUEST "$R/c.out" "suspend cancelled: running on"
wait $GUEST
rc=$?
[ $rc = 0 ] || { cat "$R/c.out"; fail "checkpointed guest: exit $rc"; }
grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$R/c.out" || { cat "$R/c.out"; fail "checkpointed guest failed"; }
timeout -k 5 "$(scaled 60)" "$XENNER" -restore "$R/ckpt" >"$R/d.out" 2>&1 ||
	{ cat "$R/d.out"; fail "restore of the checkpoint"; }
grep -q "resumed in a new domain" "$R/d.out" || { cat "$R/d.out"; fail "checkpoint not resumed"; }
ok "checkpoint, a page written by a host process throughout: the guest ran on, its image restored ($(grep -m1 '^RESULT' "$R/d.out"))"

# 6. a guest that does not suspend: a clear error, it keeps running
boot hkn "$R/n.out" "secs=8 nosuspend"
"$XM" save -t 2 hkn "$R/never" >"$R/s.out" 2>&1 && fail "save of a guest that never suspends succeeded"
grep -q "did not suspend within 2 s" "$R/s.out" || { cat "$R/s.out"; fail "no timeout message"; }
[ -e "$R/never" ] && fail "an image of a guest that never suspended"
proc_alive $GUEST || fail "the guest did not keep running"
wait $GUEST
rc=$?
[ $rc = 0 ] || { cat "$R/n.out"; fail "guest after the refused save: exit $rc"; }
nothing_left "the refused save"
ok "no suspend in time: $(cat "$R/s.out"); the guest ran on"

# 7. restored paused for someone who never unpauses it (a migration's
# receiver that died): -unpause-within ends it, nothing left
timeout -k 5 60 "$XENNER" -restore "$R/img.copy" -paused -unpause-within 2 \
	>"$R/p.out" 2>&1
rc=$?
[ $rc = 5 ] || { cat "$R/p.out"; fail "-unpause-within: exit $rc, expected 5"; }
grep -q "was not unpaused within 2 s: destroying it" "$R/p.out" ||
	{ cat "$R/p.out"; fail "no -unpause-within message"; }
grep -q "resumed in a new domain" "$R/p.out" && fail "the paused guest ran"
nothing_left "-unpause-within"
ok "-paused -unpause-within 2: $(grep -m1 'not unpaused' "$R/p.out" | sed 's/^xenner: [a-z]*: //')"

# 8. -take-image (a migration receiver's restore): the image file itself
# becomes the new domain's vmcore, no copy; elsewhere than the run
# directory's file system it is copied as without the option
cp --sparse=always "$R/img.copy" "$R/take"
ino=$(stat -c %i "$R/take")
# (paused, as a receiver's is: the guest would end before a look at it)
timeout -k 5 "$(scaled 60)" "$XENNER" -restore "$R/take" -take-image -paused \
	>"$R/t.out" 2>&1 &
T=$!
on_exit "kill $T"
wait_until "ls '$R'/vmcore.* >/dev/null 2>&1 || ! kill -0 $T" 100
taken=$(stat -c %i "$R"/vmcore.* 2>/dev/null)
wait_until "'$XM' unpause hks >/dev/null 2>&1 || ! kill -0 $T" 100
wait $T || { cat "$R/t.out"; fail "-take-image: restore exit $?"; }
[ "$taken" = "$ino" ] || fail "-take-image: the vmcore is not the image's file (inode $taken, image $ino)"
[ -e "$R/take" ] && fail "-take-image: the image is still there"
grep -q "resumed in a new domain" "$R/t.out" || { cat "$R/t.out"; fail "-take-image: not resumed"; }
grep -Eq "^RESULT: [1-9][0-9]* passed, 0 failed" "$R/t.out" || { cat "$R/t.out"; fail "-take-image: the guest failed"; }
nothing_left "-take-image"
msg="-take-image: the image's file was the new vmcore; the guest resumed"
other=$(mktemp -d /var/tmp/xenner-take.XXXXXX)
on_exit "rm -rf $other"
if [ "$(stat -f -c %T "$other")" != "$(stat -f -c %T "$R")" ]; then
	cp --sparse=always "$R/img.copy" "$other/img"
	timeout -k 5 "$(scaled 60)" "$XENNER" -restore "$other/img" -take-image \
		>"$R/u.out" 2>&1 || { cat "$R/u.out"; fail "-take-image across file systems"; }
	grep -q "on another file system.*copying it" "$R/u.out" || { cat "$R/u.out"; fail "-take-image: no copy message"; }
	grep -q "resumed in a new domain" "$R/u.out" || fail "-take-image across file systems: not resumed"
	[ -e "$other/img" ] || fail "-take-image: a copied image went"
	msg="$msg; from another file system it was copied"
fi
"$XENNER" -kernel "$HK" -take-image >"$R/v.out" 2>&1 && fail "-take-image without -restore accepted"
grep -q "goes with -restore" "$R/v.out" || { cat "$R/v.out"; fail "-take-image alone: no message"; }
ok "$msg"

# 9. more xenstore data than an image takes (SAVE_MAX_STATE, 64 MiB): the
# save fails with one line, the guest runs on, nothing is left
boot hkx "$R/x.out" "secs=$(scaled 300)" # killed when done
dom=$(xenstore-list /local/domain | tail -n 1)
python3 - "/local/domain/$dom/data" <<'PY' || fail "filling the guest's xenstore directory"
import subprocess, sys
# 17000 nodes of 4000 bytes: 68 MB, in a few hundred xenstore-write calls;
# each is a transaction, which xenstored may end with EAGAIN (the guest
# writes its own nodes meanwhile): tried again, as a toolstack would
v, args = "x" * 4000, []
for i in range(17000):
    args += ["%s/n%d" % (sys.argv[1], i), v]
    if len(args) >= 400 or i == 16999:
        for _ in range(10):
            if subprocess.run(["xenstore-write"] + args).returncode == 0:
                break
        else:
            sys.exit("xenstore-write failed 10 times in a row at node %d" % i)
        args = []
PY
"$XM" save hkx "$R/big" >"$R/x.save" 2>&1 && fail "a save of 68 MB of xenstore data succeeded"
grep -q "its xenstore nodes are more than a save image holds" "$R/x.out" ||
	{ cat "$R/x.save"; tail -n 5 "$R/x.out"; fail "no message for the xenstore bound"; }
wait_guest $GUEST "$R/x.out" "suspend cancelled: running on"
[ -e "$R/big" ] && fail "an image of the refused save"
proc_alive $GUEST || fail "the guest did not keep running"
xenstore-rm "/local/domain/$dom/data"
kill $GUEST
wait $GUEST
nothing_left "the refused save"
ok "68 MB of xenstore data: $(grep -o 'its xenstore nodes.*' "$R/x.out"); the guest ran on"
