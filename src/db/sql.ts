// Tagged SQL: fragments whose values become bound parameters (never spliced into the text), and their
// joining, for the multi-row raw statements. The bottom of src/db/: it imports nothing of ours.
import { Prisma } from '../../generated/prisma/sqlite/client.ts';

export const sql = Prisma.sql;
export const join = Prisma.join;
/** A fragment that adds nothing: the branch of an optional condition that is not there. */
export const empty = Prisma.empty;
export type Sql = ReturnType<typeof Prisma.sql>;
/** One result row of a raw statement, by column name. */
export type Row = Record<string, unknown>;
