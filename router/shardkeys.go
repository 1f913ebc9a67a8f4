package router

import "context"

// ShardKeys returns the shard keys ctx names (WithShardKey), in the order
// given, and whether it names every shard (AllShards): what a layer above
// reads to decide, before any statement, which shard an object is on (a
// session's lookup by key) or whether the caller chose the shards itself.
func ShardKeys(ctx context.Context) (keys []any, all bool) {
	k, _ := ctx.Value(shardKeyCtx{}).(shardKeys)
	return append([]any(nil), k.keys...), k.all
}
