// Parses LogQL queries with @grafana/lezer-logql.
// Usage: node check-logql.mjs QUERIES.json RESULTS.json
// QUERIES.json: an array of queries (Grafana variables already replaced by the caller).
// RESULTS.json: an array, one entry per query: { query, errors: [text near each error], streamLabels: [...] }.
import { readFileSync, writeFileSync } from 'node:fs';
import { parser } from '@grafana/lezer-logql';

const queries = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const results = queries.map((query) => {
  const errors = [];
  const streamLabels = new Set();
  parser.parse(query).iterate({
    enter(node) {
      if (node.type.isError) {
        errors.push(`at ${node.from}: "${query.slice(Math.max(0, node.from - 20), node.from + 20)}"`);
      }
      // A Matcher directly inside a Selector's Matchers is a stream selector matcher; the others are label filters.
      if (node.name === 'Matcher' && node.node.parent?.name === 'Matchers') {
        const identifier = node.node.getChild('Identifier');
        if (identifier) streamLabels.add(query.slice(identifier.from, identifier.to));
      }
    },
  });
  return { query, errors, streamLabels: [...streamLabels] };
});

writeFileSync(process.argv[3], JSON.stringify(results));
