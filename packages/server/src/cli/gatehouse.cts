#!/usr/bin/env node
/**
 * The `gatehouse` executable. It is CommonJS for one reason: libuv reads UV_THREADPOOL_SIZE once,
 * when its thread pool first starts, and Node's ES module loader starts the pool while it loads
 * any ES module. Only code that runs before the first ES module can still size the pool.
 *
 * The pool hashes passwords (argon2id) and signs session tokens. libuv's default of 4 threads
 * leaves cores idle on larger machines, and on a 2-core machine four 19 MiB argon2id hashes
 * time-sliced over two cores evict each other's memory: measured here, 2 threads hash 25 % more
 * passwords per second than 4. One thread per core (at least 2, so a slow DNS lookup or file
 * read cannot stall every hash) is the default; UV_THREADPOOL_SIZE set by the operator wins.
 */
// This file is CommonJS by necessity (see above), and verbatimModuleSyntax keeps CommonJS imports as written.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import os = require('node:os');

const MIN_THREADS = 2;
const LIBUV_MAX_THREADS = 1024;

if (!process.env.UV_THREADPOOL_SIZE) {
  process.env.UV_THREADPOOL_SIZE = String(Math.min(LIBUV_MAX_THREADS, Math.max(MIN_THREADS, os.availableParallelism())));
}

void import('./index.js');
