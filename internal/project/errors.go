package project

import "github.com/handover/handover/internal/project/conf"

// Problem is one configuration problem at a place in a file.
type Problem = conf.Problem

// Errors is every problem found while loading a project, in the order found;
// Error() prints one "file:line: message" per line. The format and recipe
// loaders return the same type.
type Errors = conf.Errors
