//! peel-scan: reserved for a later pipeline stage; it has no functionality yet.
