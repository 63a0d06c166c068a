#!/usr/bin/env bash
# End-to-end walk through the failure paths: unknown seats, taken seats, invalid holds, unknown
# events, declined payments, amount mismatches, other users' resources, and a burst of bad
# bookings after which every service is still healthy. Exits non-zero on any failed check.
set -uo pipefail
cd "$(dirname "$0")" || exit 1
# shellcheck source=scripts/lib/e2e.sh
source scripts/lib/e2e.sh

section "setup"
register_and_login organizer
ORGANIZER="$TOKEN"
req POST "$EVENTS_URL/api/events" "{\"name\":\"Failure Night\",\"venue\":\"Hall B\",\"city\":\"Shelbyville\",\"category\":\"comedy\",\"event_date\":\"$(future_date 20)\",\"total_seats\":50,\"price_per_seat\":25}" "$ORGANIZER"
check "create event" 201 "$STATUS"
EVENT_ID="$(json event_id)"
register_and_login buyer
BUYER="$TOKEN"
register_and_login rival
RIVAL="$TOKEN"

section "invalid seats"
req POST "$EVENTS_URL/api/events/$EVENT_ID/hold" '{"seat_numbers":["Z99","Z100"]}' "$BUYER"
check "unknown seats -> 400" 400 "$STATUS"
check "error code" invalid_seats "$(json error)"
check "message names the seats" "seat numbers do not exist: Z99, Z100" "$(json message)"
req POST "$EVENTS_URL/api/events/$EVENT_ID/hold" '{"seat_numbers":[]}' "$BUYER"
check "empty seat list -> 400" 400 "$STATUS"
req POST "$EVENTS_URL/api/events/$EVENT_ID/hold" '{"seat_numbers":"A1"}' "$BUYER"
check "seat list of the wrong type -> 400" 400 "$STATUS"
req POST "$EVENTS_URL/api/events/$EVENT_ID/hold" '{"seat_numbers":["A1"' "$BUYER"
check "malformed JSON -> 400" 400 "$STATUS"

section "seats already taken"
req POST "$EVENTS_URL/api/events/$EVENT_ID/hold" '{"seat_numbers":["A1","A2"]}' "$BUYER"
check "buyer holds A1, A2" 201 "$STATUS"
HOLD_ID="$(json hold_id)"
req POST "$EVENTS_URL/api/events/$EVENT_ID/hold" '{"seat_numbers":["A2","A3"]}' "$RIVAL"
check "rival cannot hold A2 -> 409" 409 "$STATUS"
check "error code" seats_unavailable "$(json error)"
check "unavailable seat named" '["A2"]' "$(json details.unavailable_seats)"

section "unknown event and holds"
req GET "$EVENTS_URL/api/events/00000000-0000-4000-8000-000000000000"
check "unknown event -> 404" 404 "$STATUS"
req GET "$EVENTS_URL/api/events/not-a-uuid"
check "malformed event id -> 404" 404 "$STATUS"
req POST "$EVENTS_URL/api/events/00000000-0000-4000-8000-000000000000/hold" '{"seat_numbers":["A1"]}' "$BUYER"
check "hold on unknown event -> 404" 404 "$STATUS"
check "error code" event_not_found "$(json error)"
req POST "$BOOKINGS_URL/api/booking" '{"hold_id":"00000000-0000-4000-8000-000000000000","payment_info":{"payment_method":"credit_card","amount":50}}' "$BUYER"
check "booking an unknown hold -> 404" 404 "$STATUS"
check "error code" hold_not_found "$(json error)"
req POST "$BOOKINGS_URL/api/booking" '{"hold_id":"invalid-hold-id","payment_info":{"payment_method":"credit_card","amount":50}}' "$BUYER"
check "booking an invalid hold id -> 404" 404 "$STATUS"
check "error code" hold_not_found "$(json error)"
check "message" "Hold not found" "$(json message)"
req POST "$BOOKINGS_URL/api/booking" "{\"hold_id\":\"$HOLD_ID\",\"payment_info\":{\"payment_method\":\"credit_card\",\"amount\":50}}" "$RIVAL"
check "booking someone else's hold -> 404" 404 "$STATUS"
req GET "$EVENTS_URL/api/events/holds/$HOLD_ID" "" "$RIVAL"
check "reading someone else's hold -> 404" 404 "$STATUS"
req POST "$BOOKINGS_URL/api/booking" "{\"hold_id\":\"$HOLD_ID\",\"payment_info\":{\"payment_method\":\"credit_card\",\"amount\":49.99}}" "$BUYER"
check "amount mismatch -> 400" 400 "$STATUS"
check "error code" amount_mismatch "$(json error)"
req POST "$BOOKINGS_URL/api/booking" '{"hold_id":42}' "$BUYER"
check "invalid booking body -> 400" 400 "$STATUS"
check "error code" validation_failed "$(json error)"
req POST "$BOOKINGS_URL/api/booking" "{\"hold_id\":\"$HOLD_ID\",\"payment_info\":{\"payment_method\":\"credit_card\",\"amount\":50}}" "forged.token.value"
check "forged token -> 401" 401 "$STATUS"

section "declined payment"
req POST "$BOOKINGS_URL/api/booking" "{\"hold_id\":\"$HOLD_ID\",\"payment_info\":{\"payment_method\":\"card_declined\",\"amount\":50}}" "$BUYER"
check "submit with a declining card" 202 "$STATUS"
BOOKING_ID="$(json booking_id)"
FINAL=""
for _ in $(seq 1 120); do
  req GET "$BOOKINGS_URL/api/booking/$BOOKING_ID" "" "$BUYER"
  FINAL="$(json status)"
  [ "$FINAL" = processing ] || break
  sleep 0.5
done
check "booking failed" failed "$FINAL"
check "payment failed" failed "$(json payment_status)"
req GET "$BOOKINGS_URL/api/booking/$BOOKING_ID" "" "$RIVAL"
check "someone else's booking -> 404" 404 "$STATUS"
req POST "$EVENTS_URL/api/events/$EVENT_ID/hold" '{"seat_numbers":["A1"]}' "$RIVAL"
check "seats of the failed booking are free again" 201 "$STATUS"

section "burst of bad bookings"
CODES="$(mktemp)"
for i in $(seq 1 40); do
  case $((i % 4)) in
    0) body='{"hold_id":"00000000-0000-4000-8000-000000000000","payment_info":{"payment_method":"x","amount":1}}' ;;
    1) body='{"hold_id":"nope"}' ;;
    2) body='not json at all' ;;
    3) body="{\"hold_id\":\"$HOLD_ID\",\"payment_info\":{\"payment_method\":\"credit_card\",\"amount\":-5}}" ;;
  esac
  (curl -s -o /dev/null -w '%{http_code}\n' -X POST "$BOOKINGS_URL/api/booking" -H 'content-type: application/json' \
    -H "authorization: Bearer $BUYER" --data-binary "$body" >>"$CODES") &
done
wait
BAD="$(grep -cv '^4' "$CODES" || true)"
check "40 concurrent bad bookings answered" 40 "$(wc -l <"$CODES" | tr -d ' ')"
rm -f "$CODES"
check "every bad booking got a 4xx" 0 "$BAD"
for url in "$USERS_URL" "$EVENTS_URL" "$BOOKINGS_URL" "$NOTIFICATIONS_URL"; do
  req GET "$url/health"
  check "$url still healthy" 200 "$STATUS"
done

finish
