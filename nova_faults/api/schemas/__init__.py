"""JSON schemas of query strings and bodies, by resource and microversion."""
