"use strict";
// Alert queue page (to be completed).
