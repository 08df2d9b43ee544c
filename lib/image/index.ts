// The image namespace: PNG files and feature-map tiling.
import { readPng, writePng } from './png';
import { tile } from './tile';

export const image = { readPng, writePng, tile };
