package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/transport"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"

	"switchboard/cluster/node"
	"switchboard/config"
	"switchboard/stack"
)

// clusterFlags are serve's --etcd and --node; they win over the config's
// serve.etcd and serve.node.
type clusterFlags struct {
	etcd, node string
}

// The etcd user's name and password come from the environment, never
// from the config or from etcd.
const (
	etcdUserEnv     = "SWITCHBOARD_ETCD_USER"
	etcdPasswordEnv = "SWITCHBOARD_ETCD_PASSWORD"
)

// teamNode is a serve process's part in a team cluster.
type teamNode struct {
	node   *node.Node
	client *clientv3.Client
}

// joinCluster makes this serve a node of the team the flags or the
// config name: the engine's store becomes the cluster's etcd store, and
// the engine polls and acts only for the accounts this node owns. With
// no etcd named it returns nil and changes nothing.
func joinCluster(cfg config.Etcd, fl clusterFlags, o *stack.Options, log *slog.Logger) (*teamNode, error) {
	if fl.etcd != "" {
		urls, err := config.EtcdEndpoints(fl.etcd)
		if err != nil {
			return nil, fmt.Errorf("--etcd: %w", err)
		}
		cfg.Endpoints = urls
	}
	if fl.node != "" {
		cfg.Node = fl.node
	}
	if len(cfg.Endpoints) == 0 {
		return nil, nil
	}
	if cfg.Node == "" {
		return nil, errors.New("a team node needs a name: --node NAME (or serve.node in the config), unique in the cluster")
	}
	if cfg.Cluster == "" {
		cfg.Cluster = config.DefaultCluster
	}
	client, err := etcdClient(cfg)
	if err != nil {
		return nil, err
	}
	accounts := make([]string, len(o.Accounts))
	for i, a := range o.Accounts {
		accounts[i] = a.Name
	}
	nd, err := node.New(node.Options{Client: client, Cluster: cfg.Cluster, Node: cfg.Node, Accounts: accounts, Log: log})
	if err != nil {
		client.Close()
		return nil, err
	}
	o.Shared = nd.Store()
	o.Engine.Ownership, o.Engine.Forwarder = nd, nd
	log.Info("team node", "node", cfg.Node, "cluster", cfg.Cluster, "etcd", cfg.Endpoints)
	return &teamNode{node: nd, client: client}, nil
}

// etcdClient connects to the endpoints with the config's TLS files and
// the environment's user, if any.
func etcdClient(cfg config.Etcd) (*clientv3.Client, error) {
	var tlsConfig *tls.Config
	if cfg.TLS != (config.EtcdTLS{}) {
		info := transport.TLSInfo{CertFile: cfg.TLS.Cert, KeyFile: cfg.TLS.Key, TrustedCAFile: cfg.TLS.CA}
		c, err := info.ClientConfig()
		if err != nil {
			return nil, fmt.Errorf("serve.etcd_tls: %w", err)
		}
		tlsConfig = c
	}
	user, password := os.Getenv(etcdUserEnv), os.Getenv(etcdPasswordEnv)
	if (user == "") != (password == "") {
		return nil, fmt.Errorf("set both %s and %s, or neither", etcdUserEnv, etcdPasswordEnv)
	}
	client, err := clientv3.New(clientv3.Config{Endpoints: cfg.Endpoints, TLS: tlsConfig, Username: user, Password: password,
		DialTimeout: 5 * time.Second, DialKeepAliveTime: 2 * time.Second, DialKeepAliveTimeout: 2 * time.Second,
		Logger: zap.NewNop()})
	if err != nil {
		return nil, fmt.Errorf("etcd: %w", err)
	}
	return client, nil
}

// run takes part in the cluster until the returned stop is called; stop
// resigns every account at once (the others take them without waiting
// for the lease to run out) and waits.
func (t *teamNode) run(a *app) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.node.Run(ctx, a.engine)
	}()
	return func() {
		cancel()
		<-done
	}
}
