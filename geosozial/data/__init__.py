"""Tables and geometries: readers, keys, join, Sozialraum aggregation, confidentiality."""
