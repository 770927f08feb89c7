export { randomBatch } from '../../app/training/randomBatch.js';
