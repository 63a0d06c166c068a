// Kept under its documented name: the load test lives in bench/load/booking-flow.ts.
//   node scripts/load-test-booking-flow.js [--users=100] [--holds-per-user=3] [--seats=10000]
//        [--rate=200] [--connections=50] [--p99-ms=500] [--final-timeout=120]
import '../bench/load/booking-flow.ts';
