// Kept under its documented name: the load test lives in bench/load/rps.ts.
//   node scripts/load-test-rps.js [--rate=1000] [--duration=10] [--connections=50] [--p99-ms=100]
import '../bench/load/rps.ts';
