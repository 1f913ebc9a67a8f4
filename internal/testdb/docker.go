package testdb

// The Docker path: for machines without local servers. It is deliberately
// small: one primary and one replica per family, shared by the whole test
// binary and removed by testcontainers' reaper when the binary exits. The
// machines the project's CI runs on have local servers (scripts/dbup) and no
// Docker engine, so this path is exercised only by users with Docker.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"
)

func dockerAvailable() bool {
	if os.Getenv("ATHANOR_NO_DOCKER") != "" {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	c, err := testcontainers.NewDockerClientWithOpts(ctx)
	if err != nil {
		return false
	}
	defer c.Close()
	_, err = c.Ping(ctx, client.PingOptions{})
	return err == nil
}

func startDocker(kind Kind) (Servers, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nw, err := network.New(ctx)
	if err != nil {
		return Servers{}, fmt.Errorf("testdb: docker network: %w", err)
	}
	if kind == KindPostgres {
		return startPGContainers(ctx, nw)
	}
	return startMariaDBContainers(ctx, nw)
}

func endpointOf(ctx context.Context, c *testcontainers.DockerContainer, kind Kind, port, user, db string) (Endpoint, error) {
	host, err := c.Host(ctx)
	if err != nil {
		return Endpoint{}, err
	}
	p, err := c.MappedPort(ctx, port)
	if err != nil {
		return Endpoint{}, err
	}
	e := Endpoint{Kind: kind, Host: host, Port: p.Port(), User: user, Database: db}
	if kind == KindPostgres {
		e.Params = map[string][]string{"sslmode": {"disable"}}
	}
	return e, nil
}

func startPGContainers(ctx context.Context, nw *testcontainers.DockerNetwork) (Servers, error) {
	const image = "postgres:15"
	hba := testcontainers.ContainerFile{
		Reader:            strings.NewReader("#!/bin/sh\necho 'host replication all all trust' >> \"$PGDATA/pg_hba.conf\"\n"),
		ContainerFilePath: "/docker-entrypoint-initdb.d/10-replication.sh",
		FileMode:          0o755,
	}
	primary, err := testcontainers.Run(ctx, image,
		network.WithNetwork([]string{"pg-primary"}, nw),
		testcontainers.WithEnv(map[string]string{"POSTGRES_HOST_AUTH_METHOD": "trust", "POSTGRES_DB": "test"}),
		testcontainers.WithFiles(hba),
		testcontainers.WithCmd("postgres", "-c", "wal_level=replica", "-c", "max_wal_senders=10", "-c", "wal_keep_size=256MB"),
		testcontainers.WithExposedPorts("5432/tcp"),
		testcontainers.WithWaitStrategy(wait.ForLog("database system is ready to accept connections").WithOccurrence(2).WithStartupTimeout(2*time.Minute)),
	)
	if err != nil {
		return Servers{}, fmt.Errorf("testdb: start PostgreSQL primary container: %w", err)
	}
	script := `mkdir -p /replica && chown postgres /replica && chmod 700 /replica &&
exec gosu postgres bash -c 'until pg_basebackup -h pg-primary -U postgres -D /replica -R -X stream; do rm -rf /replica/*; sleep 1; done; exec postgres -D /replica -c hot_standby=on -c listen_addresses="*"'`
	replica, err := testcontainers.Run(ctx, image,
		network.WithNetwork([]string{"pg-replica"}, nw),
		testcontainers.WithEntrypoint("bash", "-c", script),
		testcontainers.WithExposedPorts("5432/tcp"),
		testcontainers.WithWaitStrategy(wait.ForLog("ready to accept read-only connections").WithStartupTimeout(2*time.Minute)),
	)
	if err != nil {
		return Servers{}, fmt.Errorf("testdb: start PostgreSQL replica container: %w", err)
	}
	p, err := endpointOf(ctx, primary, KindPostgres, "5432/tcp", "postgres", "test")
	if err != nil {
		return Servers{}, err
	}
	r, err := endpointOf(ctx, replica, KindPostgres, "5432/tcp", "postgres", "test")
	if err != nil {
		return Servers{}, err
	}
	return Servers{Cluster: Cluster{Primary: p, Replicas: []Endpoint{r}}, Source: "docker"}, nil
}

func startMariaDBContainers(ctx context.Context, nw *testcontainers.DockerNetwork) (Servers, error) {
	const image = "mariadb:10.11"
	env := map[string]string{"MARIADB_ALLOW_EMPTY_ROOT_PASSWORD": "1", "MARIADB_DATABASE": "test"}
	ready := wait.ForLog("ready for connections").WithOccurrence(2).WithStartupTimeout(2 * time.Minute)
	primary, err := testcontainers.Run(ctx, image,
		network.WithNetwork([]string{"mariadb-primary"}, nw),
		testcontainers.WithEnv(env),
		testcontainers.WithCmd("--server-id=1", "--log-bin=mysql-bin", "--binlog-format=ROW"),
		testcontainers.WithExposedPorts("3306/tcp"),
		testcontainers.WithWaitStrategy(ready),
	)
	if err != nil {
		return Servers{}, fmt.Errorf("testdb: start MariaDB primary container: %w", err)
	}
	replica, err := testcontainers.Run(ctx, image,
		network.WithNetwork([]string{"mariadb-replica"}, nw),
		testcontainers.WithEnv(env),
		testcontainers.WithCmd("--server-id=2", "--read-only=1"),
		testcontainers.WithExposedPorts("3306/tcp"),
		testcontainers.WithWaitStrategy(ready),
	)
	if err != nil {
		return Servers{}, fmt.Errorf("testdb: start MariaDB replica container: %w", err)
	}
	p, err := endpointOf(ctx, primary, KindMySQL, "3306/tcp", "root", "test")
	if err != nil {
		return Servers{}, err
	}
	r, err := endpointOf(ctx, replica, KindMySQL, "3306/tcp", "root", "test")
	if err != nil {
		return Servers{}, err
	}
	// The same application user as scripts/dbup: everything but the right
	// to write on a read_only server, so the replica refuses its writes.
	user := []string{
		"CREATE USER IF NOT EXISTS 'athanor'@'%'",
		"GRANT ALL PRIVILEGES ON *.* TO 'athanor'@'%'",
		"REVOKE READ_ONLY ADMIN, SUPER ON *.* FROM 'athanor'@'%'",
	}
	for _, q := range user {
		if err := exec(ctx, p, q); err != nil {
			return Servers{}, fmt.Errorf("testdb: MariaDB primary container: %s: %w", q, err)
		}
	}
	setup := []string{
		"CHANGE MASTER TO MASTER_HOST='mariadb-primary', MASTER_PORT=3306, MASTER_USER='root', MASTER_USE_GTID=slave_pos",
		"START SLAVE",
	}
	for _, q := range setup {
		if err := exec(ctx, r, q); err != nil {
			return Servers{}, fmt.Errorf("testdb: MariaDB replica container: %s: %w", q, err)
		}
	}
	p.User, r.User = "athanor", "athanor"
	return Servers{Cluster: Cluster{Primary: p, Replicas: []Endpoint{r}}, Source: "docker"}, nil
}
