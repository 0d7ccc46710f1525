// Column sets shared by the replicating kinds' printers.

import type { TableColumn } from '../strategy.ts';
import { column } from './table-format.ts';

export const CONTAINERS_COLUMN: TableColumn = column('Containers', 'string', 'Names of each container in the template.', 1);
export const IMAGES_COLUMN: TableColumn = column('Images', 'string', 'Images referenced by each container in the template.', 1);
export const SELECTOR_COLUMN: TableColumn = column('Selector', 'string', 'A label query over pods that should match the replica count.', 1);
