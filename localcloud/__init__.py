"""The embedded AWS: moto on a loopback port, provisioned and wired from template.yaml."""
