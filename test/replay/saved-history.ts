import proto from '@temporalio/proto';

// Histories are saved as protobuf.js's JSON form of History (enums by name, int64 as strings,
// payload bytes as base64), read back with the same @temporalio/proto the worker uses. Not
// `historyToJSON` from @temporalio/common: with the installed tree it loads its own copy of
// protobufjs, whose protojson refuses @temporalio/proto's types ("type must be a Type").

const { History } = proto.temporal.api.history.v1;

export function historyToSavedJson(history: proto.temporal.api.history.v1.IHistory): string {
  const message = History.fromObject(history);
  return `${JSON.stringify(History.toObject(message, { longs: String, enums: String, bytes: String }), null, 2)}\n`;
}

export function historyFromSavedJson(text: string): proto.temporal.api.history.v1.History {
  return History.fromObject(JSON.parse(text) as Record<string, unknown>);
}
