export const FRONTEND_DIR: string;
export const REPO_DIR: string;
export const SNAPSHOT: string;
export function platformPython(): string;
export function specFromPython(): unknown;
export function specFromServer(baseUrl: string): Promise<unknown>;
export function readSnapshot(): unknown;
export function isStale(spec: unknown): boolean;
