/**
 * The job spec schema: the single source for the TypeScript types (Static<>), validation
 * (validate.ts walks it for field-path errors) and, later, the KindlingJob CRD's
 * openAPIV3Schema. Every option is documented here with its default.
 */
import { Type, type Static } from '@sinclair/typebox';

/** Sizes: a byte count or a string like "64MiB", "512KB", "1.5GiB". */
export const SizeSchema = Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?\\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?$', description: 'bytes, or a size such as 64MiB' })], {
  description: 'bytes, or a size such as 64MiB',
  'x-kubernetes-int-or-string': true,
});

const Name = Type.String({ pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', maxLength: 63, description: 'a DNS-1123 label: lower-case letters, digits and -' });

export const ANALYSES = ['price-sensitivity', 'engagement', 'top-category-brand'] as const;
export const COMPRESSIONS = ['zstd', 'snappy', 'gzip', 'none'] as const;

const AnalysisSchema = Type.Union(
  [Type.Literal('price-sensitivity'), Type.Literal('engagement'), Type.Literal('top-category-brand')],
  { description: 'which analysis to run' },
);
const CompressionSchema = Type.Union([Type.Literal('zstd'), Type.Literal('snappy'), Type.Literal('gzip'), Type.Literal('none')], {
  description: 'Parquet compression (default zstd)',
});

export const BAD_RECORD_POLICIES = ['fail', 'skip', 'quarantine'] as const;

const LIMIT_DESCRIPTION = 'a count (an integer >= 0), a fraction of the records read between 0 and 1 (e.g. 0.001), or a percentage (e.g. "0.1%")';
/**
 * How many bad records a job tolerates. In the CRD it is any value (a number that may be a
 * fraction, or a string, is not expressible in a structural schema): the coordinator validates it.
 */
export const BadRecordLimitSchema = Type.Union(
  [
    Type.Integer({ minimum: 0, description: LIMIT_DESCRIPTION }),
    Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description: LIMIT_DESCRIPTION }),
    Type.String({ pattern: '^\\s*[0-9]+(\\.[0-9]+)?\\s*%\\s*$', description: LIMIT_DESCRIPTION }),
  ],
  { description: LIMIT_DESCRIPTION, 'x-kindling-any-value': true },
);

const onBadRecord = Type.Optional(
  Type.Union([Type.Literal('fail'), Type.Literal('skip'), Type.Literal('quarantine')], {
    description: 'a record that cannot be read: fail the job (default), skip it (counted), or quarantine it (skipped, and written to <output>/_rejects/); with skip and quarantine, maxBadRecords bounds how many (default: no limit)',
  }),
);

/** spec.input: the input of a built-in analysis; with spec.sql only splitSize (every scan's default). */
export const InputSchema = Type.Object(
  {
    uri: Type.Optional(Type.String({ minLength: 1, description: 'a file, directory, glob, file:// or s3:// URI; .gz files are gzip CSV (required with spec.analysis)' })),
    format: Type.Optional(Type.Union([Type.Literal('csv')], { description: 'input format (plain or .gz CSV; required with spec.analysis)' })),
    splitSize: Type.Optional(SizeSchema),
    header: Type.Optional(Type.Boolean({ description: 'the files start with a header line (default true)' })),
    onBadRecord,
    maxBadRecords: Type.Optional(BadRecordLimitSchema),
  },
  { additionalProperties: false },
);

export const TABLE_FORMATS = ['csv', 'parquet', 'jsonl'] as const;

const ColumnListSchema = Type.Array(
  Type.Object({
    name: Type.String({ minLength: 1 }),
    type: Type.String({ minLength: 1 }),
    values: Type.Optional(Type.Array(Type.String(), { minItems: 1, description: 'csv, VARCHAR: the only values the column may hold; another value, or an empty field, makes the record bad' })),
  }, { additionalProperties: false }),
  { minItems: 1 },
);

/** A table of spec.tables: files the SQL script reads under the table's name. */
export const TableSpecSchema = Type.Object(
  {
    uri: Type.String({ minLength: 1, description: "a file, directory, glob, file:// or s3:// prefix; a directory holding another job's _SUCCESS is read as exactly the files its manifest lists" }),
    format: Type.Union([Type.Literal('csv'), Type.Literal('parquet'), Type.Literal('jsonl')], { description: 'csv (plain or .gz), parquet or jsonl' }),
    schema: Type.Optional(
      Type.Union([Type.String({ minLength: 1 }), ColumnListSchema], {
        description: 'the columns: a DDL list ("id BIGINT, name VARCHAR, price DECIMAL(10,2)") or a list of {name, type}; required for csv and jsonl, read from the files for parquet (and checked against them when given)',
        'x-kindling-any-value': true,
      }),
    ),
    header: Type.Optional(Type.Boolean({ description: 'csv: the files start with a header line (default true)' })),
    delimiter: Type.Optional(Type.String({ minLength: 1, maxLength: 1, description: 'csv: the field delimiter (default ",")' })),
    quote: Type.Optional(Type.String({ minLength: 1, maxLength: 1, description: 'csv: the quote character (default \'"\')' })),
    nullValue: Type.Optional(Type.String({ description: 'csv: the text of a NULL (default "": an empty field is NULL)' })),
    timestampFormat: Type.Optional(Type.String({ minLength: 1, description: 'csv: how TIMESTAMP fields are written (default: ISO-like, with an optional " UTC", "Z" or offset)' })),
    splitSize: Type.Optional(SizeSchema),
    onBadRecord,
    maxBadRecords: Type.Optional(BadRecordLimitSchema),
  },
  { additionalProperties: false },
);

export const OutputSchema = Type.Object(
  {
    uri: Type.String({ minLength: 1, description: 'a directory: a path, file:// or s3:// URI' }),
    compression: Type.Optional(CompressionSchema),
    format: Type.Optional(Type.Union([Type.Literal('parquet'), Type.Literal('csv'), Type.Literal('jsonl')], { description: 'the format of the files written (default parquet)' })),
    overwrite: Type.Optional(Type.Boolean({ description: 'replace a committed output (default false)' })),
  },
  { additionalProperties: false },
);

export const ShuffleSchema = Type.Object(
  {
    partitions: Type.Optional(Type.Integer({ minimum: 1, maximum: 10000, description: 'reduce tasks (default 8)' })),
    uri: Type.Optional(Type.String({ minLength: 1, description: 'where shuffle files go (default <output>/_shuffle/<run>)' })),
    broadcastThreshold: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9]+(\\.[0-9]+)?\\s*(B|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?$' })], {
      description: "SQL jobs: a join side estimated under this size is broadcast to the other side's tasks instead of shuffling both (default 10MiB; 0: never, except for the joins that need all of one side)",
      'x-kubernetes-int-or-string': true,
    })),
  },
  { additionalProperties: false },
);

export const StorageSchema = Type.Object(
  {
    endpoint: Type.Optional(Type.String({ pattern: '^https?://', description: 'an S3 endpoint URL, e.g. http://minio:9000 (default: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, or AWS S3)' })),
    region: Type.Optional(Type.String({ minLength: 1, description: 'the S3 region (default AWS_REGION, else us-east-1)' })),
    forcePathStyle: Type.Optional(Type.Boolean({ description: 'path-style bucket addressing (default: true when an endpoint is set)' })),
    credentialsSecret: Type.Optional(Type.String({ minLength: 1, description: 'in the cluster: a Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; locally the environment or profile is used' })),
  },
  { additionalProperties: false },
);

const StringMap = (description: string) => Type.Record(Type.String(), Type.String(), { description });
const QuantitySchema = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: '^[0-9.]+([eE][0-9]+|[numkKMGTPE]i?)?$' })], {
  description: 'a Kubernetes quantity, e.g. 500m, 2, 1Gi',
  'x-kubernetes-int-or-string': true,
});
const ResourceListSchema = (what: string) => Type.Record(Type.String(), QuantitySchema, { description: `${what}, e.g. {cpu: 500m, memory: 1Gi}` });

/**
 * Pod settings for the cluster (ignored by `kindling run`, which runs local processes). Applied
 * natively by the operator and the coordinator when they build pods: no webhook involved.
 */
const podSettings = {
  image: Type.Optional(Type.String({ minLength: 1, description: "container image (default: the operator's image)" })),
  imagePullPolicy: Type.Optional(
    Type.Union([Type.Literal('Always'), Type.Literal('IfNotPresent'), Type.Literal('Never')], { description: 'image pull policy (default: the operator\'s setting)' }),
  ),
  resources: Type.Optional(
    Type.Object(
      { requests: Type.Optional(ResourceListSchema('requested resources')), limits: Type.Optional(ResourceListSchema('resource limits')) },
      { additionalProperties: false, description: 'container resources (default for workers: requests cpu = threads, memory 512Mi)' },
    ),
  ),
  nodeSelector: Type.Optional(StringMap('node labels the pods must match')),
  tolerations: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), { description: 'pod tolerations (Kubernetes Toleration objects)' })),
  affinity: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'pod affinity (a Kubernetes Affinity object)' })),
  serviceAccountName: Type.Optional(Type.String({ minLength: 1, description: 'service account of the pods (workers default: none mounted)' })),
  labels: Type.Optional(StringMap('extra pod labels')),
  annotations: Type.Optional(StringMap('extra pod annotations')),
};

export const PodSettingsSchema = Type.Object(podSettings, { additionalProperties: false });
export type PodSettings = Static<typeof PodSettingsSchema>;

export const WorkersSchema = Type.Object(
  {
    replicas: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'worker processes or pods (default 2)' })),
    threads: Type.Optional(Type.Integer({ minimum: 1, maximum: 256, description: 'piscina threads per worker (default 1)' })),
    ...podSettings,
    startTimeoutSeconds: Type.Optional(
      Type.Integer({ minimum: 10, maximum: 86400, description: 'cluster: fail the job when no worker pod is running this long after launch (default 300)' }),
    ),
    maxReplacements: Type.Optional(
      Type.Integer({ minimum: 0, maximum: 10000, description: 'workers (processes or pods) that died are replaced at most this often per job (default 2 x replicas)' }),
    ),
  },
  { additionalProperties: false },
);

export const CoordinatorSchema = Type.Object(
  {
    ...podSettings,
    maxRestarts: Type.Optional(Type.Integer({ minimum: 0, maximum: 20, description: 'times the operator recreates a coordinator pod that died (default 3)' })),
  },
  { additionalProperties: false, description: 'the coordinator pod (cluster only)' },
);

export const JobSpecSchema = Type.Object(
  {
    analysis: Type.Optional(AnalysisSchema),
    params: Type.Optional(Type.Record(Type.String(), Type.Unknown(), { description: 'per-analysis parameters' })),
    tables: Type.Optional(Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), TableSpecSchema, { description: 'the tables the SQL script reads, by name' })),
    sql: Type.Optional(Type.String({ minLength: 1, description: 'the SQL script: create [temp] view v as …; create table t as … (written to <output>/t/); at most one bare query (written to <output>/result/)' })),
    storage: Type.Optional(StorageSchema),
    input: Type.Optional(InputSchema),
    output: OutputSchema,
    shuffle: Type.Optional(ShuffleSchema),
    workers: Type.Optional(WorkersSchema),
    maxTaskAttempts: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, description: 'attempts per task before the job fails (default 4)' })),
    speculation: Type.Optional(
      Type.Boolean({ description: 'run a second copy of a straggling task on an idle worker; the first to finish wins (default true)' }),
    ),
    coordinator: Type.Optional(CoordinatorSchema),
    ttlSecondsAfterFinished: Type.Optional(
      Type.Integer({ minimum: 0, description: "cluster: delete the job's pods this long after it finished (default: keep them)" }),
    ),
  },
  { additionalProperties: false },
);

export const JobSchema = Type.Object(
  {
    apiVersion: Type.Literal('kindling.dev/v1alpha1'),
    kind: Type.Literal('KindlingJob'),
    metadata: Type.Object(
      {
        name: Name,
        namespace: Type.Optional(Name),
        labels: Type.Optional(Type.Record(Type.String(), Type.String())),
        annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
      },
      { additionalProperties: false },
    ),
    spec: JobSpecSchema,
  },
  { additionalProperties: false },
);

export type JobDocument = Static<typeof JobSchema>;
export type Analysis = (typeof ANALYSES)[number];
