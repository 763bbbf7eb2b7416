// The password strength check (zxcvbn-ts) in a worker thread: its ranked dictionaries take about
// 80 MB and each check some 30 ms of CPU, so they live here, off the server's event loop, and go
// when the worker exits after a quiet while (server/services/passwords.ts starts and stops it).
import { parentPort } from 'node:worker_threads';
import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as fr from '@zxcvbn-ts/language-fr';
import * as en from '@zxcvbn-ts/language-en';

export interface StrengthRequest {
  id: number;
  password: string;
  userInputs: string[];
}

export interface StrengthAnswer {
  id: number;
  score: number;
  /** zxcvbn message keys, looked up in the reader's language by the caller */
  warning: string | null;
  suggestion: string | null;
}

// One factory for both languages: each factory ranks its whole dictionary in memory.
const factory = new ZxcvbnFactory({ dictionary: { ...common.dictionary, ...fr.dictionary, ...en.dictionary }, graphs: common.adjacencyGraphs });

parentPort?.on('message', (req: StrengthRequest) => {
  const result = factory.check(req.password, req.userInputs);
  const answer: StrengthAnswer = { id: req.id, score: result.score, warning: result.feedback.warning || null, suggestion: result.feedback.suggestions[0] ?? null };
  parentPort!.postMessage(answer);
});
