// The simulator's hidden subcommands, run in child processes of `walkv-crash` itself.
// They are the only code that calls the engine, so they are compiled once per engine
// library (walkv for walkv-crash, walkv_buggy for walkv-crash-buggy).
#pragma once

namespace walkv::crash {

// `__workload`: opens a fresh DB and writes from N threads until SIGKILLed, streaming acks
// (ack_stream.h) and, for power trials, keeping the I/O ledger (ledger.h).
int workload_main(int argc, char** argv);

// `__recover`: opens a crashed DB, dumps what it recovered to stdout (recovery_dump.h).
int recover_main(int argc, char** argv);

// `__open-only`: recovers a crashed DB with the I/O ledger on, prints its durable LSN and
// waits for SIGKILL (the middle process of a double trial).
int open_only_main(int argc, char** argv);

// `__ledger FILE`: prints a ledger kept beside a failing trial (engine-independent).
int ledger_main(int argc, char** argv);

}  // namespace walkv::crash
