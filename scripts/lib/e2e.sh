#!/usr/bin/env bash
# Helpers for the curl-based end-to-end walks (test-successful-booking.sh, test-failed-booking.sh).
# Base URLs can be overridden: USERS_URL, EVENTS_URL, BOOKINGS_URL, NOTIFICATIONS_URL.
USERS_URL="${USERS_URL:-http://127.0.0.1:8081}"
EVENTS_URL="${EVENTS_URL:-http://127.0.0.1:8082}"
BOOKINGS_URL="${BOOKINGS_URL:-http://127.0.0.1:8083}"
NOTIFICATIONS_URL="${NOTIFICATIONS_URL:-http://127.0.0.1:8084}"
PASSED=0
FAILED=0
STATUS=""
BODY=""

# req METHOD URL [JSON_BODY] [TOKEN] -> sets STATUS and BODY
req() {
  local method="$1" url="$2" body="${3:-}" token="${4:-}" out
  local args=(-sS -o /tmp/e2e.$$ -w '%{http_code}' -X "$method" "$url" -H 'accept: application/json')
  [ -n "$body" ] && args+=(-H 'content-type: application/json' --data-binary "$body")
  [ -n "$token" ] && args+=(-H "authorization: Bearer $token")
  out="$(curl "${args[@]}" 2>/dev/null || echo 000)"
  STATUS="$out"
  BODY="$(cat /tmp/e2e.$$ 2>/dev/null || true)"
  rm -f /tmp/e2e.$$
}

# json EXPR [JSON] -> prints a field of BODY (or of JSON), e.g. json '.user.user_id'
json() {
  local expr="$1" input="${2:-$BODY}"
  node -e '
    let v; try { v = JSON.parse(process.argv[2]); } catch { process.exit(0); }
    for (const part of process.argv[1].split(".").filter(Boolean)) v = v == null ? undefined : v[/^\d+$/.test(part) ? Number(part) : part];
    if (v === undefined || v === null) process.exit(0);
    process.stdout.write(typeof v === "object" ? JSON.stringify(v) : String(v));
  ' "$expr" "$input"
}

# check "description" EXPECTED ACTUAL
check() {
  local what="$1" expected="$2" actual="$3"
  if [ "$expected" = "$actual" ]; then
    PASSED=$((PASSED + 1))
    printf '  ok    %s\n' "$what"
  else
    FAILED=$((FAILED + 1))
    printf '  FAIL  %s (expected %s, got %s)\n' "$what" "$expected" "$actual"
    [ -n "$BODY" ] && printf '        body: %s\n' "${BODY:0:300}"
  fi
}

section() { printf '\n== %s\n' "$*"; }

future_date() { node -e "console.log(new Date(Date.now() + Number(process.argv[1]) * 86400000).toISOString())" "${1:-30}"; }

# register_and_login PREFIX -> sets TOKEN, USER_ID, EMAIL
# shellcheck disable=SC2034  # TOKEN and USER_ID are read by the walks that source this file
register_and_login() {
  EMAIL="$1.$(date +%s%N)@example.test"
  req POST "$USERS_URL/api/users/register" "{\"email\":\"$EMAIL\",\"password\":\"s3cure-password\",\"first_name\":\"Ada\",\"last_name\":\"Lovelace\"}"
  check "register $EMAIL" 201 "$STATUS"
  USER_ID="$(json user_id)"
  req POST "$USERS_URL/api/users/login" "{\"email\":\"$EMAIL\",\"password\":\"s3cure-password\"}"
  check "login" 200 "$STATUS"
  TOKEN="$(json access_token)"
}

finish() {
  printf '\n%s passed, %s failed\n' "$PASSED" "$FAILED"
  [ "$FAILED" -eq 0 ]
}
