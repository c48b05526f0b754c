import proto from '@temporalio/proto';

// A saved run is its workflow ID (the code's path can depend on it: a start under another ID than
// the canonical one hands the work off) and its History in protobuf.js's JSON form (enums by name,
// int64 as strings, payload bytes as base64), read back with the same @temporalio/proto the worker
// uses. Not
// `historyToJSON` from @temporalio/common: with the installed tree it loads its own copy of
// protobufjs, whose protojson refuses @temporalio/proto's types ("type must be a Type").

const { History } = proto.temporal.api.history.v1;

export interface SavedRun {
  workflowId: string;
  history: proto.temporal.api.history.v1.History;
}

export function historyToSavedJson(workflowId: string, history: proto.temporal.api.history.v1.IHistory): string {
  const message = History.fromObject(history);
  return `${JSON.stringify({ workflowId, history: History.toObject(message, { longs: String, enums: String, bytes: String }) }, null, 2)}\n`;
}

export function historyFromSavedJson(text: string): SavedRun {
  const saved = JSON.parse(text) as { workflowId: string; history: Record<string, unknown> };
  return { workflowId: saved.workflowId, history: History.fromObject(saved.history) };
}
