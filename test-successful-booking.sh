#!/usr/bin/env bash
# End-to-end walk through a successful booking: register, log in, create an event, hold seats,
# book, watch the live status until it is confirmed, and check seats, lists and notifications.
# Works against `npm start` (embedded) and ./start-dev.sh (distributed). Exits non-zero on any
# failed check.
set -uo pipefail
cd "$(dirname "$0")" || exit 1
# shellcheck source=scripts/lib/e2e.sh
source scripts/lib/e2e.sh

section "health"
for url in "$USERS_URL" "$EVENTS_URL" "$BOOKINGS_URL" "$NOTIFICATIONS_URL"; do
  req GET "$url/health"
  check "$url/health" 200 "$STATUS"
done

section "user"
register_and_login buyer
req GET "$USERS_URL/api/users/profile" "" "$TOKEN"
check "profile" 200 "$STATUS"
check "profile email" "$EMAIL" "$(json email)"

section "event"
CITY="Springfield-$RANDOM"
req POST "$EVENTS_URL/api/events" "{\"name\":\"Summer Concert\",\"description\":\"Live\",\"venue\":\"Main Hall\",\"city\":\"$CITY\",\"category\":\"music\",\"event_date\":\"$(future_date 30)\",\"total_seats\":100,\"price_per_seat\":49.99}" "$TOKEN"
check "create event" 201 "$STATUS"
EVENT_ID="$(json event_id)"
check "seats generated" 100 "$(json available_seats)"
req GET "$EVENTS_URL/api/events/$EVENT_ID"
check "event details" 200 "$STATUS"
req GET "$EVENTS_URL/api/events?city=$CITY"
check "list by city" 1 "$(json pagination.total)"
req GET "$EVENTS_URL/api/events/$EVENT_ID/seats"
check "seat map" 200 "$STATUS"
check "first seat" A1 "$(json rows.0.seats.0.seat_number)"

section "hold"
req POST "$EVENTS_URL/api/events/$EVENT_ID/hold" '{"seat_numbers":["A1","A2"]}' "$TOKEN"
check "hold A1, A2" 201 "$STATUS"
HOLD_ID="$(json hold_id)"
TOTAL="$(json total_price)"
check "total price" 99.98 "$TOTAL"
req GET "$EVENTS_URL/api/events/holds/$HOLD_ID" "" "$TOKEN"
check "hold is active" active "$(json status)"

section "booking"
req POST "$BOOKINGS_URL/api/booking" "{\"hold_id\":\"$HOLD_ID\",\"payment_info\":{\"payment_method\":\"credit_card\",\"amount\":$TOTAL}}" "$TOKEN"
check "submit booking" 202 "$STATUS"
BOOKING_ID="$(json booking_id)"
check "status processing" processing "$(json status)"
STREAM_FILE="$(mktemp)"
curl -sN --max-time 60 "$BOOKINGS_URL/api/booking/$BOOKING_ID/stream?access_token=$TOKEN" >"$STREAM_FILE" 2>/dev/null &
STREAM_PID=$!

FINAL=""
for _ in $(seq 1 120); do
  req GET "$BOOKINGS_URL/api/booking/$BOOKING_ID/status" "" "$TOKEN"
  FINAL="$(json status)"
  [ "$FINAL" = processing ] || break
  sleep 0.5
done
check "booking confirmed" confirmed "$FINAL"
check "payment captured" captured "$(json payment_status)"
wait "$STREAM_PID" 2>/dev/null
check "stream sent status events" yes "$(grep -q '^event: status' "$STREAM_FILE" && echo yes || echo no)"
check "stream sent complete" yes "$(grep -q '^event: complete' "$STREAM_FILE" && echo yes || echo no)"
rm -f "$STREAM_FILE"

req GET "$EVENTS_URL/api/events/$EVENT_ID/seats"
check "A1 booked" booked "$(json rows.0.seats.0.status)"
req GET "$BOOKINGS_URL/api/bookings" "" "$TOKEN"
check "booking listed" "$BOOKING_ID" "$(json bookings.0.booking_id)"
req GET "$BOOKINGS_URL/api/users/$USER_ID/bookings" "" "$TOKEN"
check "booking listed (user path)" 1 "$(json total)"

section "notification"
SENT=""
for _ in $(seq 1 60); do
  req GET "$NOTIFICATIONS_URL/api/notifications" "" "$TOKEN"
  SENT="$(node -e 'const b=JSON.parse(process.argv[1]||"{}"); const l=b.notifications||b.items||[]; console.log(l.some(n=>n.type==="booking_confirmed")?"yes":"no")' "$BODY" 2>/dev/null)"
  [ "$SENT" = yes ] && break
  sleep 0.5
done
check "confirmation email sent" yes "$SENT"

finish
