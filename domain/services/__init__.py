"""Use cases over the tables: each validates, writes in one transaction and audits."""
