// The hand-written queries of test/exec/queries.test.ts and the small tables they run over
// (NULLs, duplicates, BIGINTs above 2^53, an empty table), shared with the stage DAG test.
import type { MemoryTable } from './sql-oracle.js';

const BIG = 9007199254740993n; // 2^53 + 1
export const TABLES: MemoryTable[] = [
  {
    name: 't', ddl: 'i INTEGER, b BIGINT, g VARCHAR, m DECIMAL(10,2), d DOUBLE, dt DATE',
    rows: [
      [1, 10, 'a', 150, 0.5, 18000], [2, BIG, 'a', -25, 1.25, 18001], [3, 10, 'b', 99999, -3, null],
      [4, null, 'b', 100, null, 18002], [5, -7, null, null, 2, 18000], [null, BIG, 'c', 1, 0, 17999],
      [7, 10, 'a', 150, 0.5, 18000], [8, 3, 'é', 0, 1e10, 0], [9, BIG + 2n, 'c', 12345, -0.5, -1],
      [10, 10, 'b', 7, 4, 18003],
    ],
  },
  {
    name: 'u', ddl: 'k INTEGER, b BIGINT, v VARCHAR',
    rows: [[1, 10, 'x'], [2, BIG, 'y'], [2, BIG, 'y2'], [3, null, 'z'], [null, 10, 'n'], [11, 5, 'w']],
  },
  { name: 'e', ddl: 'k INTEGER, v VARCHAR', rows: [] },
];

export const QUERIES = [
  // scans, filters, projections, sorting, limits
  'select * from t order by i nulls first',
  'select i, b from t where b > 10 order by i',
  'select g, m * 2 as m2 from t where m is not null order by m2 desc, g',
  'select i from t order by g desc nulls first, i desc limit 3 offset 2',
  'select distinct g from t order by g',
  'select distinct b, g from t order by b, g',
  'select i, d from t order by d nulls first, i',
  // aggregates
  'select count(*), count(b), count(distinct b), sum(b), sum(m), avg(m), min(g), max(dt), sum(d), avg(i) from t',
  'select g, count(*) as n, sum(m) as s, min(b) as lo, max(b) as hi, avg(d) as ad from t group by g order by g',
  'select b, count(*) from t group by b order by b',
  'select g, count(distinct b) as nb, sum(distinct m) as sm from t group by g order by g',
  'select g, count(*) filter (where m > 0) as pos, sum(m) filter (where i > 2) as s from t group by g order by g',
  'select stddev_samp(d), stddev_pop(d), var_samp(m), var_pop(i) from t',
  'select g, stddev_samp(m) as sd from t group by g order by g',
  'select count(*), sum(k), max(v) from e',
  'select k, count(*) from e group by k',
  'select g, sum(i) from t group by g having sum(i) > 5 order by g',
  'select g, b, count(*) as n from t group by rollup (g, b) order by g, b, n',
  'select g, dt, count(*) as n from t group by cube (g, dt) order by g, dt, n',
  'select g, count(*) as n from t group by grouping sets ((g), ()) order by g, n',
  // joins
  'select t.i, u.v from t join u on t.i = u.k order by t.i, u.v',
  'select t.i, u.v from t join u on t.b = u.b order by t.i, u.v',
  'select t.i, u.v from t left join u on t.i = u.k order by t.i, u.v',
  'select t.i, u.v, u.k from t right join u on t.i = u.k order by u.k, u.v, t.i',
  'select t.i, u.k, u.v from t full join u on t.i = u.k order by t.i, u.k, u.v',
  'select t.i, u.v from t join u on t.i = u.k and t.b <> u.b order by t.i, u.v',
  'select t.i, u.k from t join u on t.i < u.k where u.k < 3 order by t.i, u.k',
  'select t.i, u.v from t, u where t.b = u.b and u.k > 1 order by t.i, u.v',
  'select count(*) from t cross join u',
  'select t.i, u.v from t left join u on t.i = u.k and u.v <> \'x\' order by t.i, u.v',
  'select i, v from t join u using (b) order by i, v',
  'select * from t natural join u order by i, v',
  'select t.i from t left join e on t.i = e.k where e.k is null order by t.i',
  // set operations
  'select b from t union select b from u order by b',
  'select b from t union all select b from u order by b',
  'select b from t intersect select b from u order by b',
  'select b from t except select b from u order by b',
  'select b from t intersect all select b from u order by b',
  'select b from t except all select b from u order by b',
  // subqueries
  'select i from t where b in (select b from u) order by i',
  'select i from t where b not in (select b from u where b is not null) order by i',
  'select i from t where b not in (select b from u) order by i',
  'select i from t where i not in (select k from e) order by i',
  'select i from t where exists (select 1 from u where u.k = t.i) order by i',
  'select i from t where not exists (select 1 from u where u.k = t.i) order by i',
  'select i from t where exists (select 1 from u where u.b = t.b and u.k <> t.i) order by i',
  'select i, (select max(v) from u where u.k = t.i) as mv from t order by i',
  'select i, (select count(*) from u where u.b = t.b) as n from t order by i',
  'select i from t where m > (select avg(m) from t) order by i',
  'select i from t where i > (select min(k) from u where u.v like \'y%\') order by i',
  'select g, (select count(*) from u) as n from t group by g order by g',
  'select i from t t1 where m = (select max(m) from t t2 where t2.g = t1.g) order by i',
  'select i, (select v from u where u.k = t.i and u.v <> \'y2\') as v from t order by i',
  'select * from (select g, sum(m) as s from t group by g) x where s > 100 order by g',
  'with w as (select g, count(*) as n from t group by g) select w.g, w.n, t.i from w join t on w.g = t.g where w.n > 2 order by t.i',
  'select i from t where i in (1, 3, 5) or g = \'c\' order by i',
  // windows
  'select i, g, row_number() over (partition by g order by i) as rn from t order by i',
  'select i, rank() over (order by b) as r, dense_rank() over (order by b) as dr from t order by i',
  'select i, ntile(3) over (order by i) as nt from t order by i',
  'select i, lag(i) over (order by i) as p, lead(i, 2, -1) over (order by i) as n from t order by i',
  'select i, sum(m) over (partition by g order by i) as run from t order by i',
  'select i, sum(m) over (partition by g) as tot, count(*) over () as n from t order by i',
  'select i, avg(d) over (order by i rows between 1 preceding and 1 following) as mv from t order by i',
  'select i, min(b) over (order by i rows between 2 preceding and current row) as lo, max(b) over (order by i rows between current row and unbounded following) as hi from t order by i',
  'select i, first_value(g) over (order by i) as f, last_value(g) over (order by i rows between unbounded preceding and unbounded following) as l from t order by i',
  'select i, sum(i) over (order by m range between 100 preceding and current row) as s from t order by i',
  'select i, count(*) over (order by dt range between 1 preceding and 1 following) as c from t order by i',
  'select i, percent_rank() over (order by i) as pr, cume_dist() over (order by m) as cd from t order by i',
  'select g, sum(i) as s, rank() over (order by sum(i) desc) as r from t group by g order by g',
  // a window over an aggregate by its keys (one exchange), a top-1 per group, NaN and -0 in keys
  'select * from (select b, g, n, row_number() over (partition by b order by n desc, g nulls last) as rn, sum(n) over (partition by b) as tot from (select b, g, count(*) as n from t group by b, g)) x where rn = 1 order by b nulls first',
  'select * from (select g, i, b, row_number() over (partition by g order by b desc nulls last, i) as rn, sum(i) over (partition by g) as s from t) x where rn <= 2 and 3 >= rn order by g nulls first, rn',
  'select * from (select g, i, row_number() over (partition by g order by b) as rn from t) x where rn < 1',
  'select * from (select g, row_number() over (partition by g) as rn, count(*) over (partition by g) as n from t) x where rn = 1 order by g nulls first',
  'select g, n, rank() over (partition by n order by g nulls first) as r from (select g, count(*) as n from t group by g) x order by g nulls first',
  'select x, count(*) as n from (select d / 0 as x from t union all select -0.0 from t) y group by x order by x nulls first',
  'select i, d / 0 > 1 as gt, d / 0 = 1 as eq, 1 > d / 0 as lt, d / 0 <= 0 as le, g = \'a\' as ga, \'b\' < g as gb, dt >= date \'2019-04-14\' as late, m < 100 as cheap from t order by i',
  // distinct calls over one argument (two aggregates in a distributed run): filters, NULLs, no keys, no rows
  'select g, count(distinct b) filter (where i > 2) as nb, count(distinct b) as all_b, sum(distinct b) as sb, avg(distinct b) as ab, min(distinct b) as lo, count(*) as n, sum(m) as sm, avg(d) as ad, max(g) as mg from t group by g order by g nulls first',
  'select count(distinct g) as ng, count(distinct g) filter (where m > 100) as big, count(*) as n, count(d) as nd from t',
  'select count(distinct k) as nk, count(*) as n, sum(k) as s from e',
  'select b, count(distinct b) as nb, count(*) as n from t group by b order by b nulls first',
  // columns of the same name from both sides of a join: window keys and aggregate filters
  'select t.i, u.k, u.v, row_number() over (partition by t.b order by t.i, u.v) as r1, row_number() over (partition by u.b order by t.i, u.v) as r2 from t join u on t.i <= 3 and u.k <= 2 order by t.i, u.v',
  'select count(*) filter (where t.b = 10) as tb, count(*) filter (where u.b = 10) as ub from t join u on t.i = u.k',
  // case as a bucketing (one pass over the bounds), and case when c then x end (NULL elsewhere), over NULL, NaN and -0
  'select i, case when d / 0 < 0 then 0 when d / 0 <= 1 then 1 else 2 end as k, case when m < 50 then 0 when m <= 150 then 1 when m < 300 then 2 end as band, case when g = \'a\' then g end as ga, case when i > 2 then b end as bi from t order by i',
  'select band, count(*) as n, count(distinct case when g = \'a\' then b end) as na from (select g, b, case when m < 100 then 0 when m < 200 then 1 else 2 end as band from t) x group by band order by band',
];

