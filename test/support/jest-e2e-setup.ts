/** Setup for the e2e project: builds run real make, kbuild and Docker, so tests get 10 minutes. */
import { jest } from '@jest/globals';

jest.setTimeout(10 * 60_000);
