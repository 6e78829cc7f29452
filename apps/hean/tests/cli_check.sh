# Shared by the CLI test scripts (sourced): check() runs a command and
# compares its exit code and output; any mismatch sets fail=1.
fail=0
check() {  # check NAME EXPECTED_RC REGEX -- command...
  local name="$1" want_rc="$2" regex="$3"
  shift 4
  local out rc
  out="$("$@" 2>&1)"
  rc=$?
  if [[ "$rc" != "$want_rc" ]] || ! grep -Eq -- "$regex" <<<"$out"; then
    echo "FAIL: $name (rc $rc, wanted $want_rc; output did not match /$regex/)"
    echo "$out" | head -20
    fail=1
  else
    echo "ok: $name"
  fi
}
