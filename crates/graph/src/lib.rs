//! peel-graph: reserved for a later pipeline stage; it has no functionality yet.
