package redisstore

import "errors"

// Sentinel errors of the package, for errors.Is. Failures of Redis itself are not among
// them: every command error wraps astracaph.ErrStore, so the engine fails closed.
var (
	// ErrInvalidURL is returned by NewFromURL and Open for a URL they cannot use (bad
	// scheme or syntax, a database other than 0 on a Cluster).
	ErrInvalidURL = errors.New("astracaph: redisstore: invalid Redis URL")
	// ErrConfig is returned by New, NewFromURL and Open for an option they cannot
	// honour (a nil client, a prefix with a brace, replica acknowledgement the client or
	// its timeouts cannot give).
	ErrConfig = errors.New("astracaph: redisstore: invalid configuration")
	// ErrClusterDegraded is wrapped by Ping when a Cluster does not serve every hash slot:
	// some keys (a share of all tokens) would fail, so the deployment is reported not
	// ready.
	ErrClusterDegraded = errors.New("astracaph: redisstore: cluster does not serve every slot")
	// ErrReplicaAck is wrapped (with astracaph.ErrStore) by the consuming writes when
	// fewer replicas than WithReplicaAck asks for acknowledged them within its timeout.
	ErrReplicaAck = errors.New("astracaph: redisstore: write not acknowledged by enough replicas")
)
